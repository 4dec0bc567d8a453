package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/config"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/jobs"
	"github.com/partnerdir/partnerdir/internal/locale"
	"github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/postgres"
	webfiles "github.com/partnerdir/partnerdir/web"
)

// app is the wiring shared by the commands: configuration, the database
// pool, the job inserter and the domain stores.
type app struct {
	cfg       config.Config
	log       *slog.Logger
	pool      *pgxpool.Pool
	jobs      *jobs.Client
	directory *directory.Store
	accounts  *accounts.Store
	// mails renders every mail the outboxes store.
	mails *mail.Renderer
}

// open loads the configuration and connects to PostgreSQL.
func open(ctx context.Context, e env) (*app, error) {
	cfg, err := config.Load(e.getenv)
	if err != nil {
		return nil, err
	}
	pool, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, log: newLogger(e.stderr, cfg.Production()), pool: pool}
	if a.jobs, err = jobs.NewInserter(pool); err != nil {
		pool.Close()
		return nil, err
	}
	if a.mails, err = newMailRenderer(); err != nil {
		pool.Close()
		return nil, err
	}
	outbox, err := mail.NewOutbox(a.jobs, cfg.MailFrom, a.mails)
	if err != nil {
		pool.Close()
		return nil, err
	}
	a.directory = directory.NewStore(pool, a.enqueueIndex, directory.WithMailer(outbox.DirectoryMailer(), cfg.BaseURL.String()))
	a.accounts = accounts.NewStore(pool, accounts.WithMail(outbox, cfg.BaseURL.String()))
	return a, nil
}

// enqueueIndex is the directory's change hook: the index job commits or
// rolls back with the change that caused it.
func (a *app) enqueueIndex(ctx context.Context, tx pgx.Tx, organisationID int64) error {
	if _, err := a.jobs.InsertTx(ctx, tx, jobs.IndexOrganisation{OrganisationID: organisationID}, nil); err != nil {
		return fmt.Errorf("enqueue index job: %w", err)
	}
	return nil
}

func (a *app) close() { a.pool.Close() }

// newMailRenderer renders mails from the embedded templates and locales.
func newMailRenderer() (*mail.Renderer, error) {
	tr, err := locale.New(webfiles.FS)
	if err != nil {
		return nil, err
	}
	return mail.NewRenderer(webfiles.FS, tr)
}
