// Package mailtest gives tests the mail renderer the program uses (the
// embedded mail templates and locale files) and an outbox over it.
package mailtest

import (
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/partnerdir/partnerdir/internal/jobs"
	"github.com/partnerdir/partnerdir/internal/locale"
	"github.com/partnerdir/partnerdir/internal/mail"
	webfiles "github.com/partnerdir/partnerdir/web"
)

// Renderer returns a renderer over the embedded web files; it fails t if
// they do not load.
func Renderer(t testing.TB) *mail.Renderer {
	t.Helper()
	tr, err := locale.New(webfiles.FS)
	if err != nil {
		t.Fatal(err)
	}
	r, err := mail.NewRenderer(webfiles.FS, tr)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Outbox returns an outbox that queues mails from from, rendered by
// Renderer, as jobs in pool, and the job client it queues them with; it
// fails t if either cannot be made.
func Outbox(t testing.TB, pool *pgxpool.Pool, from string) (*mail.Outbox, *jobs.Client) {
	t.Helper()
	inserter, err := jobs.NewInserter(pool)
	if err != nil {
		t.Fatal(err)
	}
	outbox, err := mail.NewOutbox(inserter, from, Renderer(t))
	if err != nil {
		t.Fatal(err)
	}
	return outbox, inserter
}
