package accounts_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/postgres"
	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
	"github.com/partnerdir/partnerdir/migrations"
)

const passphrase = "correct horse battery staple"

// signUp creates an account as /signup does: unverified, with its
// verification mail.
func signUp(t *testing.T, s *accounts.Store, pool *pgxpool.Pool, email string) int64 {
	t.Helper()
	var id int64
	err := postgres.InTx(context.Background(), pool, func(tx pgx.Tx) (err error) {
		id, err = s.CreateUnverifiedUserTx(context.Background(), tx, cli, accounts.NewUser{Email: email, Name: "Someone", Password: passphrase}, "en")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// lastMailTo is the latest mail to to.
func lastMailTo(t *testing.T, pool *pgxpool.Pool, to string) sentMail {
	t.Helper()
	var last *sentMail
	for _, m := range mails(t, pool) {
		if m.to == to {
			last = &m
		}
	}
	if last == nil {
		t.Fatalf("no mail to %s", to)
	}
	return *last
}

func count(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCreatedByAnAdminIsVerifiedSignedUpIsNot(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool := newMailingStore(t)
	org := newOrg(t, pool, "acme")
	admin, err := s.CreateUser(ctx, cli, accounts.NewUser{Email: "made@example.org", Name: "Made", Password: passphrase,
		OrganisationID: org, OrgRole: accounts.OrgEditor})
	if err != nil {
		t.Fatal(err)
	}
	if u, err := s.User(ctx, admin); err != nil || !u.Verified {
		t.Errorf("an account an admin created: %+v %v, want verified", u, err)
	}
	if role, err := s.Role(ctx, admin, org); err != nil || role != accounts.OrgEditor {
		t.Errorf("its membership: %q %v", role, err)
	}
	if n := len(mails(t, pool)); n != 0 {
		t.Errorf("%d mails for an account an admin created", n)
	}

	self := signUp(t, s, pool, "Self@Example.org")
	if u, err := s.UserByEmail(ctx, "self@example.org"); err != nil || u.Verified || u.ID != self {
		t.Errorf("a signed-up account: %+v %v, want unverified", u, err)
	}
	m := lastMailTo(t, pool, "Self@Example.org")
	if m.purpose != accounts.PurposeVerify || !strings.Contains(m.text, "https://partners.test/account/verify?token=") ||
		!strings.Contains(m.text, "Self@Example.org") || !strings.Contains(m.text, "48 hours") {
		t.Errorf("verification mail: %+v", m)
	}
	// The link is stored hashed, never in clear, for 48 hours.
	token := tokenIn(t, m)
	if n := count(t, pool, `SELECT count(*) FROM account_tokens WHERE user_id = $1 AND purpose = 'verify' AND length(token_hash) = 32
		AND token_hash <> convert_to($2, 'UTF8') AND expires_at - created_at = interval '48 hours'`, self, token); n != 1 {
		t.Errorf("%d verification tokens stored as a SHA-256 valid 48 hours", n)
	}
}

// TestUnverifiedHoldsNoRightUntilTheLinkIsUsed: a signed-up account's
// memberships grant nothing, whatever created them; the link works for
// that account only, once, and then the memberships take effect.
func TestUnverifiedHoldsNoRightUntilTheLinkIsUsed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool := newMailingStore(t)
	org := newOrg(t, pool, "acme")
	id := signUp(t, s, pool, "applicant@example.org")
	other, err := s.CreateUser(ctx, cli, accounts.NewUser{Email: "other@example.org", Name: "Other", Password: passphrase})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddMembership(ctx, cli, id, org, accounts.OrgOwner); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Role(ctx, id, org); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("unverified role: %v, want not found", err)
	}
	if ms, err := s.Memberships(ctx, id); err != nil || len(ms) != 0 {
		t.Errorf("unverified memberships: %+v %v, want none", ms, err)
	}
	if ms, err := s.HeldMemberships(ctx, id); err != nil || len(ms) != 1 || ms[0].Role != accounts.OrgOwner {
		t.Errorf("held memberships: %+v %v", ms, err)
	}
	if role, err := s.HeldRole(ctx, id, org); err != nil || role != accounts.OrgOwner {
		t.Errorf("held role: %q %v", role, err)
	}
	if m, err := s.OrganisationMembers(ctx, org); err != nil || len(m) != 1 || m[0].Verified {
		t.Errorf("members: %+v %v, want one, unverified", m, err)
	}

	token := tokenIn(t, lastMailTo(t, pool, "applicant@example.org"))
	// Another account cannot use it, and changes nothing trying.
	if err := s.CheckVerifyLink(ctx, token, other); !errors.Is(err, accounts.ErrLinkNotYours) || fault.KindOf(err) != fault.Forbidden {
		t.Errorf("another account checks the link: %v", err)
	}
	if err := s.VerifyEmail(ctx, cli, token, other); !errors.Is(err, accounts.ErrLinkNotYours) {
		t.Errorf("another account uses the link: %v", err)
	}
	if u, _ := s.User(ctx, id); u.Verified {
		t.Fatal("another account's attempt verified the address")
	}
	for _, bad := range []string{"", "not-a-token", strings.Repeat("x", 200)} {
		if err := s.VerifyEmail(ctx, cli, bad, id); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("token %.10q: %v, want not found", bad, err)
		}
	}

	if err := s.CheckVerifyLink(ctx, token, id); err != nil {
		t.Fatalf("check own link: %v", err)
	}
	if err := s.VerifyEmail(ctx, cli, token, id); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.User(ctx, id); !u.Verified {
		t.Error("the link did not verify the address")
	}
	if role, err := s.Role(ctx, id, org); err != nil || role != accounts.OrgOwner {
		t.Errorf("role once verified: %q %v", role, err)
	}
	if ms, _ := s.Memberships(ctx, id); len(ms) != 1 {
		t.Errorf("memberships once verified: %+v", ms)
	}
	// Single use.
	if err := s.VerifyEmail(ctx, cli, token, id); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("second use: %v, want not found", err)
	}
	if n := count(t, pool, `SELECT count(*) FROM audit_log WHERE action = 'user.email_verify' AND entity_id = $1`, id); n != 1 {
		t.Errorf("%d audit entries of the verification, want 1", n)
	}
	if err := s.ResendVerification(ctx, cli, id, "fr"); !errors.Is(err, accounts.ErrAlreadyVerified) {
		t.Errorf("resend once verified: %v", err)
	}
}

func TestVerificationLinkExpires(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool := newMailingStore(t)
	id := signUp(t, s, pool, "late@example.org")
	token := tokenIn(t, lastMailTo(t, pool, "late@example.org"))
	if _, err := pool.Exec(ctx, `UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckVerifyLink(ctx, token, id); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("expired link checked: %v", err)
	}
	if err := s.VerifyEmail(ctx, cli, token, id); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("expired link used: %v", err)
	}
	if u, _ := s.User(ctx, id); u.Verified {
		t.Error("an expired link verified the address")
	}
}

// TestResendVerificationLimitHoldsUnderBurst: one new link per
// VerifyResendEvery, however many ask at once, and MaxVerifyMailsPerDay a
// day, the sign-up's included.
func TestResendVerificationLimitHoldsUnderBurst(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool := newMailingStore(t)
	id := signUp(t, s, pool, "again@example.org")
	if err := s.ResendVerification(ctx, cli, id, "en"); !errors.Is(err, accounts.ErrVerifyLimited) ||
		fault.KindOf(err) != fault.RateLimited || fault.Message(err) != "account.verify.limited" {
		t.Errorf("resend right after signing up: %v", err)
	}
	age := func() {
		t.Helper()
		if _, err := pool.Exec(ctx, `UPDATE account_tokens SET created_at = created_at - interval '6 minutes' WHERE user_id = $1`, id); err != nil {
			t.Fatal(err)
		}
	}
	mailsTo := func() int {
		return count(t, pool, `SELECT count(*) FROM mail_messages WHERE to_email = 'again@example.org'`)
	}
	age()
	const burst = 12
	errs := make([]error, burst)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range burst {
		wg.Go(func() {
			<-start
			errs[i] = s.ResendVerification(ctx, cli, id, "en")
		})
	}
	close(start)
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, accounts.ErrVerifyLimited):
			t.Errorf("resend %d: %v", i, err)
		}
	}
	if ok != 1 || mailsTo() != 2 {
		t.Errorf("%d resends of %d passed, %d mails, want 1 and 2", ok, burst, mailsTo())
	}
	// Three more, each after a pause, make five today; the sixth waits
	// for tomorrow.
	for range 3 {
		age()
		if err := s.ResendVerification(ctx, cli, id, "en"); err != nil {
			t.Fatal(err)
		}
	}
	age()
	if err := s.ResendVerification(ctx, cli, id, "en"); !errors.Is(err, accounts.ErrVerifyLimited) {
		t.Errorf("sixth link of the day: %v", err)
	}
	if n := mailsTo(); n != accounts.MaxVerifyMailsPerDay {
		t.Errorf("%d verification mails in a day, want %d", n, accounts.MaxVerifyMailsPerDay)
	}
	// Any of the links works, and all die with it.
	if err := s.VerifyEmail(ctx, cli, tokenIn(t, mails(t, pool)[0]), id); err != nil {
		t.Errorf("the first link: %v", err)
	}
	if n := count(t, pool, `SELECT count(*) FROM account_tokens WHERE user_id = $1 AND used_at IS NULL`, id); n != 0 {
		t.Errorf("%d links still usable after the address was verified", n)
	}
}

// TestPendingInvitationOfAnExistingAccount is the takeover path in the
// store: someone signs up with an organisation's public address before
// its people do; the owners invite that address; the account holds
// nothing until the invitation is accepted by that account through the
// mailed link.
func TestPendingInvitationOfAnExistingAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool := newMailingStore(t)
	org := publishedOrg(t, pool, "some-ngo")
	squatter := signUp(t, s, pool, "info@some-ngo.org")
	bystander, err := s.CreateUser(ctx, cli, accounts.NewUser{Email: "bystander@example.org", Name: "B", Password: passphrase})
	if err != nil {
		t.Fatal(err)
	}
	inv := accounts.Invitation{Email: "INFO@some-ngo.org", Name: "Info", Role: accounts.OrgEditor, OrganisationID: org,
		OrganisationName: "Some NGO", InviterName: "Olga"}
	if err := s.Invite(ctx, cli, inv); err != nil {
		t.Fatal(err)
	}
	nothingHeld := func(what string) {
		t.Helper()
		if _, err := s.Role(ctx, squatter, org); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("%s: role %v, want none", what, err)
		}
		if n := count(t, pool, `SELECT count(*) FROM memberships WHERE user_id = $1`, squatter); n != 0 {
			t.Errorf("%s: %d memberships, want none", what, n)
		}
	}
	nothingHeld("invited")
	if n := count(t, pool, `SELECT count(*) FROM users`); n != 2 {
		t.Errorf("%d accounts: the invitation made another", n)
	}
	m := lastMailTo(t, pool, "info@some-ngo.org")
	if m.purpose != accounts.PurposeInviteAccept || !strings.Contains(m.text, "https://partners.test/invitation/accept?token=") ||
		!strings.Contains(m.text, "Olga") || !strings.Contains(m.text, "Some NGO") {
		t.Fatalf("invitation mail: %+v", m)
	}
	token := tokenIn(t, m)
	if n := count(t, pool, `SELECT count(*) FROM account_tokens WHERE purpose = 'accept' AND user_id = $1 AND organisation_id = $2
		AND org_role = 'editor' AND length(token_hash) = 32 AND token_hash <> convert_to($3, 'UTF8')`, squatter, org, token); n != 1 {
		t.Errorf("%d pending invitations stored hashed with the organisation and role", n)
	}
	// It is no password link: /invitation cannot take it.
	if _, err := s.CheckToken(ctx, token, true); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("a pending invitation checked as a password link: %v", err)
	}
	if _, err := s.RedeemToken(ctx, token, true, "a new passphrase here", "192.0.2.1", ""); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("a pending invitation redeemed as a password link: %v", err)
	}

	// Another account refused, and nothing changes.
	if _, err := s.CheckInvitation(ctx, token, bystander); !errors.Is(err, accounts.ErrLinkNotYours) {
		t.Errorf("another account checks the invitation: %v", err)
	}
	if _, err := s.AcceptInvitation(ctx, cli, token, bystander); !errors.Is(err, accounts.ErrLinkNotYours) {
		t.Errorf("another account accepts the invitation: %v", err)
	}
	if n := count(t, pool, `SELECT count(*) FROM memberships WHERE organisation_id = $1`, org); n != 0 {
		t.Errorf("%d memberships after another account's attempt", n)
	}
	nothingHeld("refused")

	// A password reset in between keeps the invitation waiting.
	if err := s.RequestPasswordReset(ctx, "info@some-ngo.org", "en", "192.0.2.1", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RedeemToken(ctx, tokenIn(t, lastMailTo(t, pool, "info@some-ngo.org")), false, "the owner's own passphrase", "192.0.2.1", ""); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.User(ctx, squatter); !u.Verified {
		t.Error("a redeemed reset link did not prove the address")
	}
	nothingHeld("after a reset")

	got, err := s.CheckInvitation(ctx, token, squatter)
	if err != nil || got.OrganisationID != org || got.OrganisationSlug != "some-ngo" || got.Role != accounts.OrgEditor {
		t.Fatalf("check invitation: %+v %v", got, err)
	}
	if _, err := s.AcceptInvitation(ctx, cli, token, squatter); err != nil {
		t.Fatal(err)
	}
	if role, err := s.Role(ctx, squatter, org); err != nil || role != accounts.OrgEditor {
		t.Errorf("role once accepted: %q %v", role, err)
	}
	if _, err := s.AcceptInvitation(ctx, cli, token, squatter); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("accepted twice: %v", err)
	}
}

// TestAcceptingAnInvitationProvesTheAddress: an unverified account that
// accepts an invitation through its link is verified by it; an expired
// invitation is refused.
func TestAcceptingAnInvitationProvesTheAddress(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool := newMailingStore(t)
	org := publishedOrg(t, pool, "acme")
	id := signUp(t, s, pool, "joiner@example.org")
	inv := accounts.Invitation{Email: "joiner@example.org", Name: "J", Role: accounts.OrgOwner, OrganisationID: org,
		OrganisationName: "ACME", InviterName: "Olga"}
	for range 2 {
		if err := s.Invite(ctx, cli, inv); err != nil {
			t.Fatal(err)
		}
	}
	ms := mails(t, pool)
	first, second := tokenIn(t, ms[len(ms)-2]), tokenIn(t, ms[len(ms)-1])
	if _, err := pool.Exec(ctx, `UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = sha256(convert_to($1, 'UTF8'))`,
		first); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcceptInvitation(ctx, cli, first, id); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("expired invitation accepted: %v", err)
	}
	if u, _ := s.User(ctx, id); u.Verified {
		t.Error("an expired invitation verified the address")
	}
	if _, err := s.AcceptInvitation(ctx, cli, second, id); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.User(ctx, id); !u.Verified {
		t.Error("accepting the invitation did not prove the address")
	}
	if role, err := s.Role(ctx, id, org); err != nil || role != accounts.OrgOwner {
		t.Errorf("role: %q %v", role, err)
	}
}

// TestMigrationVerifiesExistingAccounts applies the migrations up to the
// one before email verification, makes an account as the platform did
// then, and applies the rest: that account counts as verified.
func TestMigrationVerifiesExistingAccounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := postgres.Open(ctx, pgtest.NewEmptyDB(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	gp, err := goose.NewProvider(goose.DialectPostgres, stdlib.OpenDBFromPool(pool), migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gp.UpTo(ctx, 11); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO users (email, name, password_hash, created_at) VALUES ('old@example.org', 'Old', 'x', now() - interval '1 year')`); err != nil {
		t.Fatal(err)
	}
	if _, err := gp.UpTo(ctx, 12); err != nil {
		t.Fatal(err)
	}
	if n := count(t, pool, `SELECT count(*) FROM users WHERE email_verified_at = created_at`); n != 1 {
		t.Errorf("%d existing accounts verified, want 1", n)
	}
	// And down again, cleanly.
	if _, err := gp.DownTo(ctx, 11); err != nil {
		t.Fatal(err)
	}
	if n := count(t, pool, `SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'email_verified_at'`); n != 0 {
		t.Error("the column outlived the down migration")
	}
}
