package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
)

// TestNewsDigestCommand: --now queues one digest per confirmed subscriber
// with something new, with both List-Unsubscribe headers, and nothing
// when run again; without --now the job goes to the workers, once.
func TestNewsDigestCommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.NewDB(t)
	vars := map[string]string{"DATABASE_URL": dbURL, "MEILI_URL": "http://127.0.0.1:1", "BASE_URL": "https://partners.example"}
	do := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := run(ctx, args, envFrom(vars), nil, &out, &out); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
		return out.String()
	}
	do("seed", "demo")
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, q := range []string{
		`UPDATE articles SET first_published_at = now() - interval '1 minute' WHERE first_published_at IS NOT NULL`,
		`INSERT INTO newsletter_subscribers (email, status, lang, theme_ids, confirmed_at, digest_since)
			SELECT 'ann@example.org', 'confirmed', 'en', ARRAY[id], now(), now() - interval '1 day' FROM themes WHERE slug = 'human-rights-solidarity'`,
		`INSERT INTO newsletter_subscribers (email, status, lang, country_codes, confirmed_at, digest_since)
			VALUES ('bob@example.org', 'confirmed', 'fr', '{ZA}', now(), now() - interval '1 day')`,
		`INSERT INTO newsletter_subscribers (email, lang) VALUES ('cat@example.org', 'fr')`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if out := do("news", "digest", "--now"); !strings.Contains(out, ": 1 digest queued") || strings.Contains(out, "(s)") {
		t.Errorf("first run: %s", out)
	}
	var to, headers string
	if err := conn.QueryRow(ctx, `SELECT to_email, headers::text FROM mail_messages WHERE purpose = 'newsletter_digest'`).Scan(&to, &headers); err != nil {
		t.Fatal(err)
	}
	if to != "ann@example.org" || !strings.Contains(headers, "<https://partners.example/newsletter/unsubscribe?s=") ||
		!strings.Contains(headers, "List-Unsubscribe=One-Click") {
		t.Errorf("digest to %s with headers %s", to, headers)
	}
	if out := do("news", "digest", "--now"); !strings.Contains(out, ": 0 digests queued") {
		t.Errorf("second run: %s", out)
	}
	if out := do("news", "digest"); !strings.Contains(out, "job queued for period monthly:") {
		t.Errorf("without --now: %s", out)
	}
	if out := do("news", "digest"); !strings.Contains(out, "already queued") {
		t.Errorf("twice without --now: %s", out)
	}
	var jobs int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'send_newsletter_digests'`).Scan(&jobs); err != nil || jobs != 1 {
		t.Errorf("%d digest jobs (%v), want 1", jobs, err)
	}
	var mails int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM mail_messages`).Scan(&mails); err != nil || mails != 1 {
		t.Errorf("%d mails (%v), want the one digest", mails, err)
	}
}

// TestRetentionRunDeletesUnconfirmedSignUps: the one personal-data
// retention also removes newsletter sign-ups never confirmed within 7
// days, and says so.
func TestRetentionRunDeletesUnconfirmedSignUps(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.NewDB(t)
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `INSERT INTO newsletter_subscribers (email, lang, requested_at) VALUES
		('old@example.org', 'fr', now() - interval '8 days'), ('new@example.org', 'fr', now() - interval '2 days')`); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"retention", "run"}, envFrom(map[string]string{"DATABASE_URL": dbURL}), nil, &out, &out); err != nil {
		t.Fatalf("retention run: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "1 newsletter sign-up never confirmed within 7 days deleted") {
		t.Errorf("output:\n%s", out.String())
	}
	var left []string
	rows, _ := conn.Query(ctx, `SELECT email FROM newsletter_subscribers ORDER BY email`)
	if left, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil || len(left) != 1 || left[0] != "new@example.org" {
		t.Errorf("left %v (%v), want only the recent sign-up", left, err)
	}
	var audited int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'personal_data.purge'
		AND (details->>'newsletter_unconfirmed')::int = 1`).Scan(&audited); err != nil || audited != 1 {
		t.Errorf("purge audited %d times with the count (%v)", audited, err)
	}
}
