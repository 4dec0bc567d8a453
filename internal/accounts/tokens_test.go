package accounts_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/mail/mailtest"
	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
)

func newMailingStore(t *testing.T) (*accounts.Store, *pgxpool.Pool) {
	t.Helper()
	pool := pgtest.NewPool(t)
	outbox, _ := mailtest.Outbox(t, pool, "Partnerdir <no-reply@partners.test>")
	return accounts.NewStore(pool, accounts.WithFastHashing(), accounts.WithMail(outbox, "https://partners.test")), pool
}

type sentMail struct{ to, purpose, subject, text, html string }

func mails(t *testing.T, pool *pgxpool.Pool) []sentMail {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT to_email, purpose, subject, text_body, html_body FROM mail_messages ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var out []sentMail
	for rows.Next() {
		var m sentMail
		if err := rows.Scan(&m.to, &m.purpose, &m.subject, &m.text, &m.html); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

var linkToken = regexp.MustCompile(`token=([A-Za-z0-9_%-]+)`)

func tokenIn(t *testing.T, m sentMail) string {
	t.Helper()
	match := linkToken.FindStringSubmatch(m.text)
	if match == nil {
		t.Fatalf("no link in mail:\n%s", m.text)
	}
	tok, _ := url.QueryUnescape(match[1])
	return tok
}

func TestPasswordResetIsSingleUseAndEndsSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool := newMailingStore(t)
	uid, err := s.CreateUser(ctx, cli, accounts.NewUser{Email: "u@example.org", Name: "Ursula", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	// The same answer whether or not the address is known.
	if err := s.RequestPasswordReset(ctx, "nobody@example.org", "fr", "192.0.2.1", ""); err != nil {
		t.Fatal(err)
	}
	if n := len(mails(t, pool)); n != 0 {
		t.Fatalf("%d mails for an unknown address", n)
	}
	if err := s.RequestPasswordReset(ctx, "U@example.org", "en", "192.0.2.1", ""); err != nil {
		t.Fatal(err)
	}
	ms := mails(t, pool)
	if len(ms) != 1 || ms[0].to != "u@example.org" || ms[0].purpose != accounts.PurposeReset ||
		!strings.Contains(ms[0].text, "https://partners.test/password/reset?token=") || !strings.Contains(ms[0].html, "Choose a new password") {
		t.Fatalf("reset mail %+v", ms)
	}
	token := tokenIn(t, ms[0])
	var stored int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM account_tokens WHERE token_hash = sha256($1::bytea) AND expires_at <= now() + interval '1 hour'`,
		[]byte(token)).Scan(&stored)
	if stored != 1 {
		t.Error("the token is not stored hashed with a one-hour expiry")
	}
	st, _ := s.NewSessionStore(accounts.SessionOptions{KeyPairs: keyPair()})
	c, _ := login(t, st, uid)

	if _, err := s.RedeemToken(ctx, token, false, "short", "192.0.2.1", ""); !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("weak password: %v", err)
	}
	if _, err := s.RedeemToken(ctx, token, true, "a new long passphrase", "192.0.2.1", ""); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("reset token used as an invitation: %v", err)
	}
	if _, err := s.RedeemToken(ctx, token, false, "a new long passphrase", "192.0.2.1", ""); err != nil {
		t.Fatal(err)
	}
	if load(t, st, c) != 0 {
		t.Error("a session survived the password reset")
	}
	if _, err := s.RedeemToken(ctx, token, false, "yet another passphrase", "192.0.2.1", ""); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("token used twice: %v", err)
	}
	if _, err := s.Authenticate(ctx, "u@example.org", "a new long passphrase", "192.0.2.9", ""); err != nil {
		t.Errorf("login with the new password: %v", err)
	}

	// Expired links do not work; a flood of requests sends few mails.
	_ = s.RequestPasswordReset(ctx, "u@example.org", "fr", "192.0.2.1", "")
	ms = mails(t, pool)
	late := tokenIn(t, ms[len(ms)-1])
	_, _ = pool.Exec(ctx, `UPDATE account_tokens SET expires_at = now() - interval '1 second'`)
	if _, err := s.RedeemToken(ctx, late, false, "a new long passphrase", "192.0.2.1", ""); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("expired token: %v", err)
	}
	for i := 0; i < 5; i++ {
		_ = s.RequestPasswordReset(ctx, "u@example.org", "fr", "192.0.2.1", "")
	}
	if n := len(mails(t, pool)); n > 3 {
		t.Errorf("%d reset mails in an hour, want at most 3", n)
	}
}

func TestInvitationCreatesAccountAndMembership(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool := newMailingStore(t)
	org := publishedOrg(t, pool, "acme")
	inv := accounts.Invitation{Email: "New@Example.org", Name: "Nadia", Role: accounts.OrgEditor, OrganisationID: org,
		OrganisationName: "ACME", InviterName: "Olga"}
	if err := s.Invite(ctx, cli, inv); err != nil {
		t.Fatal(err)
	}
	ms := mails(t, pool)
	if len(ms) != 1 || !strings.Contains(ms[0].text, "https://partners.test/invitation?token=") || !strings.Contains(ms[0].text, "Olga") {
		t.Fatalf("invitation mail %+v", ms)
	}
	u, err := s.CheckToken(ctx, tokenIn(t, ms[0]), true)
	if err != nil || u.Email != "New@Example.org" {
		t.Fatalf("check invitation: %+v %v", u, err)
	}
	if _, err := s.Authenticate(ctx, "new@example.org", "", "192.0.2.1", ""); !errors.Is(err, accounts.ErrBadCredentials) {
		t.Errorf("invited user without a password signed in: %v", err)
	}
	if _, err := s.RedeemToken(ctx, tokenIn(t, ms[0]), true, "my chosen passphrase", "192.0.2.1", ""); err != nil {
		t.Fatal(err)
	}
	if role, err := s.Role(ctx, u.ID, org); err != nil || role != accounts.OrgEditor {
		t.Errorf("membership: %q %v", role, err)
	}
	if _, err := s.Authenticate(ctx, "new@example.org", "my chosen passphrase", "192.0.2.1", ""); err != nil {
		t.Errorf("login after accepting: %v", err)
	}
	// Choosing the password through the mailed link proved the address.
	members, err := s.OrganisationMembers(ctx, org)
	if err != nil || len(members) != 1 || members[0].Pending || !members[0].Verified {
		t.Errorf("members %+v %v", members, err)
	}
	// Inviting someone who can sign in only invites them: the role
	// changes once they accept (TestPendingInvitationOfAnExistingAccount).
	inv.Role = accounts.OrgOwner
	if err := s.Invite(ctx, cli, inv); err != nil {
		t.Fatal(err)
	}
	if ms := mails(t, pool); len(ms) != 2 || !strings.Contains(ms[1].text, "https://partners.test/invitation/accept?token=") {
		t.Errorf("second mail %+v", ms)
	}
	if role, _ := s.Role(ctx, u.ID, org); role != accounts.OrgEditor {
		t.Errorf("role after second invitation %q, want editor until accepted", role)
	}
}

// publishedOrg is newOrg published, with the default contact a published
// organisation needs.
func publishedOrg(t *testing.T, pool *pgxpool.Pool, slug string) int64 {
	t.Helper()
	id := newOrg(t, pool, slug)
	if _, err := pool.Exec(context.Background(), `
		WITH c AS (INSERT INTO contact_points (organisation_id, name, email) VALUES ($1, 'Contact', 'contact@example.org') RETURNING id)
		UPDATE organisations SET status = 'published', default_contact_id = (SELECT id FROM c) WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	return id
}

func (e *invitationCounts) load(t *testing.T, pool *pgxpool.Pool, org int64) {
	t.Helper()
	if err := pool.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM invitations WHERE organisation_id = $1),
		(SELECT count(*) FROM memberships WHERE organisation_id = $1),
		(SELECT count(*) FROM users),
		(SELECT count(*) FROM account_tokens),
		(SELECT count(*) FROM mail_messages),
		(SELECT count(*) FROM river_job WHERE kind = 'send_mail')`, org).
		Scan(&e.invitations, &e.memberships, &e.users, &e.tokens, &e.mails, &e.jobs); err != nil {
		t.Fatal(err)
	}
}

type invitationCounts struct{ invitations, memberships, users, tokens, mails, jobs int }

func TestInvitationRefusedUnlessPublished(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool := newMailingStore(t)
	for _, status := range []string{"draft", "pending", "suspended"} {
		org := publishedOrg(t, pool, "org-"+status)
		if _, err := pool.Exec(ctx, `UPDATE organisations SET status = $2 WHERE id = $1`, org, status); err != nil {
			t.Fatal(err)
		}
		var before, after invitationCounts
		before.load(t, pool, org)
		err := s.Invite(ctx, cli, accounts.Invitation{Email: "stranger-" + status + "@example.org", Name: "Stranger",
			Role: accounts.OrgEditor, OrganisationID: org, OrganisationName: "Org", InviterName: "Olga"})
		if !errors.Is(err, accounts.ErrInviteUnpublished) || fault.KindOf(err) != fault.Forbidden ||
			fault.Message(err) != "manage.access.err.unpublished" {
			t.Errorf("%s organisation invited: %v", status, err)
		}
		after.load(t, pool, org)
		if after != before {
			t.Errorf("a refused invitation of a %s organisation changed something: %+v → %+v", status, before, after)
		}
	}
	if _, err := s.UserByEmail(ctx, "stranger-pending@example.org"); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("the refused invitation created an account: %v", err)
	}
}

// TestInvitationLimitHoldsUnderBurst fires 25 invitations of one
// organisation at once: exactly 20 are stored and mailed, 5 refused with
// the rate-limit message and leave nothing behind; another organisation
// is not affected.
func TestInvitationLimitHoldsUnderBurst(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool := newMailingStore(t)
	org := publishedOrg(t, pool, "burst")
	other := publishedOrg(t, pool, "other")
	const burst = 25
	errs := make([]error, burst)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range burst {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = s.Invite(ctx, cli, accounts.Invitation{Email: fmt.Sprintf("guest%02d@example.org", i), Name: "Guest",
				Role: accounts.OrgEditor, OrganisationID: org, OrganisationName: "Burst", InviterName: "Olga"})
		}()
	}
	close(start)
	wg.Wait()
	var ok, limited int
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, accounts.ErrInviteLimit) && fault.KindOf(err) == fault.RateLimited && fault.Message(err) == "manage.access.err.limit":
			limited++
		default:
			t.Errorf("invitation %d: %v", i, err)
		}
	}
	if ok != accounts.MaxInvitationsPerDay || limited != burst-accounts.MaxInvitationsPerDay {
		t.Errorf("%d invitations sent and %d refused, want %d and %d", ok, limited, accounts.MaxInvitationsPerDay, burst-accounts.MaxInvitationsPerDay)
	}
	var c invitationCounts
	c.load(t, pool, org)
	if c.invitations != 20 || c.memberships != 20 || c.users != 20 || c.tokens != 20 || c.mails != 20 || c.jobs != 20 {
		t.Errorf("after the burst: %+v, want 20 invitations, memberships, accounts, links, queued mails and delivery jobs", c)
	}
	var invited int
	if err := pool.QueryRow(ctx, `SELECT count(DISTINCT to_email) FROM mail_messages WHERE purpose = $1`, accounts.PurposeInvite).Scan(&invited); err != nil || invited != 20 {
		t.Errorf("invitation mails to %d addresses (%v), want 20", invited, err)
	}
	// The 21st, later, is refused too; invitations older than a day no
	// longer count; another organisation has its own 20.
	if err := s.Invite(ctx, cli, accounts.Invitation{Email: "late@example.org", Name: "Late", Role: accounts.OrgEditor,
		OrganisationID: org, OrganisationName: "Burst"}); !errors.Is(err, accounts.ErrInviteLimit) {
		t.Errorf("21st invitation: %v", err)
	}
	if err := s.Invite(ctx, cli, accounts.Invitation{Email: "late@example.org", Name: "Late", Role: accounts.OrgEditor,
		OrganisationID: other, OrganisationName: "Other"}); err != nil {
		t.Errorf("another organisation's invitation: %v", err)
	}
	if _, err := pool.Exec(ctx, `UPDATE invitations SET created_at = now() - interval '25 hours' WHERE organisation_id = $1`, org); err != nil {
		t.Fatal(err)
	}
	if err := s.Invite(ctx, cli, accounts.Invitation{Email: "next-day@example.org", Name: "Next", Role: accounts.OrgEditor,
		OrganisationID: org, OrganisationName: "Burst"}); err != nil {
		t.Errorf("invitation the next day: %v", err)
	}
}
