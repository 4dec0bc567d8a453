package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/riverqueue/river"

	"github.com/partnerdir/partnerdir/internal/config"
	"github.com/partnerdir/partnerdir/internal/jobs"
	"github.com/partnerdir/partnerdir/internal/postgres"
	"github.com/partnerdir/partnerdir/internal/search"
	"github.com/partnerdir/partnerdir/internal/web"
	webfiles "github.com/partnerdir/partnerdir/web"
)

func serve(ctx context.Context, e env) error {
	a, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer a.close()
	m, err := postgres.NewMigrator(a.pool)
	if err != nil {
		return err
	}
	if pending, err := m.Pending(ctx); err != nil {
		return err
	} else if pending {
		return errors.New("the database schema is not up to date: run partnerdir migrate up")
	}

	offerStore, err := a.openOffers()
	if err != nil {
		return err
	}

	// Search: Meilisearch is set up in the background (it is optional:
	// the PostgreSQL fallback answers meanwhile); the index worker keeps
	// both in step with the directory.
	sp, err := a.search()
	if err != nil {
		return err
	}
	go sp.meili.Run(ctx)
	workers := river.NewWorkers()
	river.AddWorker(workers, search.NewWorker(sp.indexer, 0))
	river.AddWorker(workers, search.NewCheckWorker(sp.indexer))
	// Offers' mail delivery and daily retention, on the same working client.
	periodic, err := a.addOfferWorkers(workers, offerStore)
	if err != nil {
		return err
	}
	periodic = append(periodic, search.CheckPeriodic())
	// Joining, claims, and the daily reminder of stale profiles' owners.
	joinStore, err := a.openJoining()
	if err != nil {
		return err
	}
	joinPeriodic, err := a.addJoiningWorkers(workers, joinStore)
	if err != nil {
		return err
	}
	periodic = append(periodic, joinPeriodic...)
	worker, err := jobs.NewWorking(a.pool, jobs.Options{Workers: workers, Periodic: periodic, Logger: a.log})
	if err != nil {
		return err
	}
	if err := worker.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start job workers: %w", err)
	}
	defer stopWorkers(worker)

	srv, err := web.New(ctx, web.Deps{
		Logger:         a.log,
		BaseURL:        a.cfg.BaseURL,
		Secure:         a.cfg.SecureCookies(),
		Directory:      a.directory,
		TrustedProxies: a.cfg.TrustedProxies,
		Files:          webfiles.FS,
		Search:         sp.service,
		Accounts:       a.accounts,
		SessionKeys:    sessionKeys(a.cfg.SessionKeys),
		UploadDir:      a.cfg.UploadDir,
		Offers:         offerStore,
		PageCache:      a.cfg.PageCache,
		Joining:        joinStore,
		Checks: []web.Check{
			{Name: "postgres", Required: true, Probe: a.pool.Ping},
			{Name: "meilisearch", Probe: sp.service.Probe},
		},
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", a.cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR %s: %w", a.cfg.HTTPAddr, err)
	}
	httpSrv := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	a.log.Info("serving", "addr", ln.Addr().String(), "base_url", a.cfg.BaseURL.String(), "env", a.cfg.Env)
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// stopWorkers lets running jobs finish for up to 20 s, then cancels them
// (they are retried).
func stopWorkers(c *jobs.Client) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.Stop(ctx); err != nil {
		_ = c.StopAndCancel(context.Background())
	}
}

// sessionKeys flattens the configured pairs, newest first, into the
// alternating authentication/encryption keys gorilla/sessions expects.
func sessionKeys(pairs []config.SessionKeyPair) [][]byte {
	var keys [][]byte
	for _, p := range pairs {
		keys = append(keys, p.Auth, p.Encrypt)
	}
	return keys
}
