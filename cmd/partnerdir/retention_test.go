package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
)

// TestRetentionRun: the command applies both retentions now and says what
// it did, without naming anyone.
func TestRetentionRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.NewDB(t)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `INSERT INTO audit_log (occurred_at, actor, action, entity_type, details)
		VALUES (now() - interval '31 days', 'ann@example.org', 'user.login', 'user', '{"ip_hash": "abc"}')`); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"DATABASE_URL": url, "PERSONAL_DATA_RETENTION": "30d"}
	var out bytes.Buffer
	if err := run(ctx, []string{"retention", "run"}, func(k string) string { return vars[k] }, nil, &out, &out); err != nil {
		t.Fatalf("retention run: %v\n%s", err, out.String())
	}
	for _, want := range []string{"anonymised 0 offers:", "personal data older than 30 days", "1 audit entry anonymised"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "@") {
		t.Errorf("output names someone:\n%s", out.String())
	}
	var left int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE actor LIKE '%@%' OR details ? 'ip_hash'`).Scan(&left); err != nil || left != 0 {
		t.Errorf("%d entries still identify someone (%v)", left, err)
	}
}
