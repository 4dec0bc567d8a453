package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/partnerdir/partnerdir/internal/app"
)

// serve runs the web server and the background workers until ctx ends.
func serve(ctx context.Context, e env) error {
	a, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	defer setMemoryLimit(a, e.getenv)()
	if err := a.Start(ctx); err != nil {
		return err
	}
	// The metrics endpoint on its own listener (METRICS_ADDR), stopped
	// when serve returns.
	stopMetrics, err := serveMetrics(a)
	if err != nil {
		return err
	}
	defer stopMetrics()
	ln, err := net.Listen("tcp", a.Config.HTTPAddr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR %s: %w", a.Config.HTTPAddr, err)
	}
	httpSrv := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	a.Log.Info("serving", "addr", ln.Addr().String(), "base_url", a.Config.BaseURL.String(), "env", a.Config.Env)
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// setMemoryLimit gives the Go runtime serve's soft memory limit,
// MEMORY_LIMIT, unless GOMEMLIMIT is set (the runtime has read that one,
// and it wins), and returns what puts the previous limit back. With GOGC
// at serverGCPercent the collector runs rarely while the heap is small and
// as often as needed near the limit, so RSS stays near it under load
// instead of growing with GOGC's multiple of the live heap.
func setMemoryLimit(a *app.App, getenv func(string) string) (restore func()) {
	limit := a.Config.MemoryLimit
	if getenv("GOMEMLIMIT") != "" || limit <= 0 {
		return func() {}
	}
	prev := debug.SetMemoryLimit(limit)
	a.Log.Info("soft memory limit set", "bytes", limit)
	return func() { debug.SetMemoryLimit(prev) }
}
