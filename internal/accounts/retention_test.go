package accounts_test

import (
	"context"
	"strings"
	"testing"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/audit"
)

// TestPurgePersonalData: what is older than the period goes — login
// counters deleted, audit entries stripped of the client pseudonym, user
// agent and addresses (their action, entity and time kept), account mails
// emptied — and so do sessions that ended; what is newer is untouched, and
// a second run changes nothing.
func TestPurgePersonalData(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool := newStore(t)
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	count := func(sql string, args ...any) int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	id, err := s.CreateUser(ctx, cli, accounts.NewUser{Email: "ann@example.org", Name: "Ann", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "ann@example.org", "wrong password!!", "192.0.2.7", "req-1"); err == nil {
		t.Fatal("a wrong password was accepted")
	}
	if _, err := s.Authenticate(ctx, "ann@example.org", "correct horse battery", "192.0.2.7", "req-2"); err != nil {
		t.Fatal(err)
	}
	// What the app wrote long ago: the failed login, its counters, an
	// entry naming a recipient and a user agent, 2,500 sign-ins (more than
	// a batch), an account mail whose refusal quoted the address.
	exec(`UPDATE audit_log SET occurred_at = now() - interval '100 days' WHERE action = 'user.login_failure'`)
	exec(`UPDATE rate_limits SET window_start = now() - interval '100 days' WHERE key LIKE 'login:ip:%'`)
	exec(`INSERT INTO audit_log (occurred_at, actor_user_id, actor, action, entity_type, entity_id, details) VALUES
		(now() - interval '100 days', $1, 'ann@example.org', 'offer.reroute', 'offer', 7,
			'{"from": "Old <old@example.org>", "to": "new@example.org", "user_agent": "Firefox", "version": 3}'),
		(now() - interval '10 days', $1, 'ann@example.org', 'offer.reroute', 'offer', 8,
			'{"from": "old@example.org", "to": "new@example.org", "user_agent": "Firefox"}'),
		(now() - interval '100 days', $1, 'ann@example.org', 'member.update', 'team_member', 9,
			'{"changes": {"email": {"old": "bo@example.org", "new": "Bo <bo@new.example.org>"}, "role_title": {"old": "Dir", "new": null}},
			  "cc": ["x@example.org", 3, {"deep": "\"q@example.org\""}]}')`, id)
	exec(`INSERT INTO audit_log (occurred_at, actor_user_id, actor, action, entity_type, entity_id, details)
		SELECT now() - interval '200 days', $1, 'ann@example.org', 'user.login', 'user', $1, jsonb_build_object('ip_hash', md5(i::text))
		FROM generate_series(1, 2500) i`, id)
	exec(`INSERT INTO mail_messages (message_id, purpose, lang, to_name, to_email, subject, text_body, html_body, status, last_error, created_at) VALUES
		('old@partnerdir.test', 'account_reset', 'en', 'Ann', 'ann@example.org', 'Reset', 'Follow the link', '<p>link</p>', 'failed',
			'550 <ann@example.org>: no such user', now() - interval '100 days'),
		('new@partnerdir.test', 'account_reset', 'en', 'Ann', 'ann@example.org', 'Reset', 'Follow the link', '<p>link</p>', 'sent', '', now())`)
	exec(`INSERT INTO sessions (id_hash, user_id, expires_at, last_seen_at, user_agent) VALUES
		('live', $1, now() + interval '10 hours', now(), 'Firefox'),
		('expired', $1, now() - interval '1 minute', now() - interval '1 hour', 'Firefox'),
		('idle', $1, now() + interval '8 hours', now() - interval '3 hours', 'Firefox')`, id)
	recent := count(`SELECT count(*) FROM audit_log WHERE occurred_at > now() - interval '90 days'`)
	snapshot := func() string {
		t.Helper()
		var s string
		if err := pool.QueryRow(ctx, `SELECT string_agg(concat_ws('|', id, occurred_at, actor_user_id, actor, action, entity_type, entity_id, details, request_id), E'\n' ORDER BY id)
			FROM audit_log WHERE action <> 'personal_data.purge'`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	recentBefore := count(`SELECT count(*) FROM audit_log WHERE occurred_at > now() - interval '90 days' AND details ? 'ip_hash'`)

	p, err := s.PurgePersonalData(ctx, audit.System("test"), accounts.DefaultRetention())
	if err != nil {
		t.Fatal(err)
	}
	if p.LoginCounters != 1 || p.Sessions != 2 || p.AuditEntries != 2503 || p.Mails != 1 {
		t.Errorf("purged %+v, want 1 login counter, 2 sessions, 2503 audit entries, 1 mail", p)
	}

	// Old audit entries keep what happened, not who.
	if n := count(`SELECT count(*) FROM audit_log WHERE occurred_at < now() - interval '90 days'
		AND (details ?| array['ip_hash', 'email', 'user_agent'] OR concat(actor, details) LIKE '%@%' OR anonymised_at IS NULL)`); n != 0 {
		t.Errorf("%d old audit entries still identify someone", n)
	}
	if n := count(`SELECT count(*) FROM audit_log WHERE action = 'offer.reroute' AND entity_id = 7 AND actor_user_id = $1 AND actor = $2
		AND details = '{"from": "Old <[address]>", "to": "[address]", "version": 3}'`, id, audit.AnonymousLabel); n != 1 {
		t.Error("the old re-routing lost more than the person, or kept them")
	}
	// Old and new values (the History page's) are reached at any depth.
	if n := count(`SELECT count(*) FROM audit_log WHERE action = 'member.update' AND entity_id = 9
		AND details = '{"changes": {"email": {"old": "[address]", "new": "Bo <[address]>"}, "role_title": {"old": "Dir", "new": null}},
			"cc": ["[address]", 3, {"deep": "\"[address]\""}]}'`); n != 1 {
		var d string
		_ = pool.QueryRow(ctx, `SELECT details::text FROM audit_log WHERE action = 'member.update' AND entity_id = 9`).Scan(&d)
		t.Errorf("the old change of an email keeps it, or lost more: %s", d)
	}
	if n := count(`SELECT count(*) FROM audit_log WHERE action = 'user.login_failure' AND entity_id = $1 AND request_id = 'req-1'
		AND details = '{"reason": "bad_credentials"}'`, id); n != 1 {
		t.Error("the old failed login is not kept as a fact without its address and email")
	}
	// Newer entries are untouched.
	if n := count(`SELECT count(*) FROM audit_log WHERE occurred_at > now() - interval '90 days' AND anonymised_at IS NULL`); n != recent+1 {
		t.Errorf("%d recent entries untouched, want %d and the purge's own", n, recent)
	}
	if n := count(`SELECT count(*) FROM audit_log WHERE occurred_at > now() - interval '90 days' AND details ? 'ip_hash'`); n != recentBefore || n == 0 {
		t.Errorf("%d recent entries with a client pseudonym, want %d", n, recentBefore)
	}
	if n := count(`SELECT count(*) FROM audit_log WHERE action = 'offer.reroute' AND entity_id = 8 AND actor = 'ann@example.org' AND details ? 'user_agent'`); n != 1 {
		t.Error("a recent entry was anonymised")
	}
	// Counters: the old one went, the current one stays.
	if n := count(`SELECT count(*) FROM rate_limits WHERE key LIKE 'login:ip:%'`); n != 0 {
		t.Errorf("%d old login counters kept", n)
	}
	// Sessions: only the live one is left.
	var left []string
	rows, _ := pool.Query(ctx, `SELECT convert_from(id_hash, 'UTF8') FROM sessions ORDER BY 1`)
	for rows.Next() {
		var k string
		_ = rows.Scan(&k)
		left = append(left, k)
	}
	if rows.Err() != nil || strings.Join(left, ",") != "live" {
		t.Errorf("sessions left %v (%v), want only the live one", left, rows.Err())
	}
	// Mails: the old one is emptied, the refusal keeps its code.
	if n := count(`SELECT count(*) FROM mail_messages WHERE message_id = 'old@partnerdir.test' AND to_email = '' AND to_name = ''
		AND subject = '' AND text_body = '' AND html_body = '' AND status = 'failed' AND last_error = '550 <[address]>: no such user'`); n != 1 {
		t.Error("the old account mail still holds personal data")
	}
	if n := count(`SELECT count(*) FROM mail_messages WHERE message_id = 'new@partnerdir.test' AND to_email = 'ann@example.org' AND text_body <> ''`); n != 1 {
		t.Error("a recent mail was emptied")
	}
	// The run is audited with its counts only.
	if n := count(`SELECT count(*) FROM audit_log WHERE action = 'personal_data.purge' AND (details->>'audit_entries')::int = 2503
		AND details::text NOT LIKE '%@%'`); n != 1 {
		t.Error("the purge is not audited with its counts")
	}

	// A second run changes nothing more.
	before := snapshot()
	p, err = s.PurgePersonalData(ctx, audit.System("test"), accounts.DefaultRetention())
	if err != nil || p.Total() != 0 {
		t.Errorf("second run: %+v %v, want nothing", p, err)
	}
	if after := snapshot(); after != before {
		t.Error("a second run changed the audit log")
	}
	if n := count(`SELECT count(*) FROM audit_log WHERE action = 'personal_data.purge'`); n != 1 {
		t.Errorf("%d purge entries, want 1: a run that changes nothing records nothing", n)
	}
	if n := count(`SELECT count(*) FROM sessions`) + count(`SELECT count(*) FROM mail_messages WHERE to_email <> ''`); n != 2 {
		t.Errorf("a second run removed more: %d sessions and mails left, want 2", n)
	}
}
