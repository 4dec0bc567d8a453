package accounts_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pquerna/otp/totp"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/mail/mailtest"
	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
)

// hashCounter counts argon2id computations (accounts.WithHashHook).
type hashCounter struct{ n atomic.Int32 }

func (c *hashCounter) option() accounts.Option { return accounts.WithHashHook(func() { c.n.Add(1) }) }

// burst runs fn n times at once and returns the errors.
func burst(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// tally counts errs matching each of targets; an error matching none fails
// t.
func tally(t *testing.T, errs []error, targets ...error) []int {
	t.Helper()
	counts := make([]int, len(targets))
next:
	for _, err := range errs {
		for i, target := range targets {
			if errors.Is(err, target) {
				counts[i]++
				continue next
			}
		}
		t.Errorf("unexpected outcome %v", err)
	}
	return counts
}

func countRows(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Fifty wrong passwords at once against one account whose limit is five:
// five are checked (five argon2id verifications, five audited failures),
// the other 45 are refused before any hashing, and the right password is
// refused too until the window ends.
func TestParallelWrongPasswordsCheckExactlyTheLimit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var hashes hashCounter
	s, pool := newStore(t, accounts.WithLoginLimits(1000, 5, time.Hour), hashes.option())
	if _, err := s.CreateUser(ctx, cli, accounts.NewUser{Email: "Target@example.org", Name: "T", Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	hashes.n.Store(0)
	errs := burst(50, func(i int) error {
		_, err := s.Authenticate(ctx, "target@example.org", fmt.Sprintf("wrong password %d", i), "192.0.2.1", "")
		if errors.Is(err, accounts.ErrRateLimited) && fault.RetryAfterOf(err) <= 0 {
			return errors.New("refused without a retry delay")
		}
		return err
	})
	if got := tally(t, errs, accounts.ErrBadCredentials, accounts.ErrRateLimited); got[0] != 5 || got[1] != 45 {
		t.Fatalf("%d wrong and %d rate limited of 50 parallel attempts, want 5 and 45", got[0], got[1])
	}
	if n := hashes.n.Load(); n != 5 {
		t.Errorf("%d argon2id verifications, want 5", n)
	}
	if n := countRows(t, pool, `SELECT count(*) FROM audit_log WHERE action = 'user.login_failure'`); n != 5 {
		t.Errorf("%d audited failures, want 5", n)
	}
	if _, err := s.Authenticate(ctx, "TARGET@example.org", "correct horse battery", "198.51.100.7", ""); !errors.Is(err, accounts.ErrRateLimited) {
		t.Errorf("the right password within the window: %v, want ErrRateLimited", err)
	}
	// The counters name no address and no email in clear.
	if n := countRows(t, pool, `SELECT count(*) FROM rate_limits WHERE key ILIKE '%target%' OR key LIKE '%192.0.2%' OR key LIKE '%@%'`); n != 0 {
		t.Errorf("%d rate-limit keys hold an email or address in clear", n)
	}
	if n := countRows(t, pool, `SELECT count(*) FROM rate_limits WHERE key LIKE 'login:account:%' OR key LIKE 'login:ip:%'`); n != 3 {
		t.Errorf("%d login counters, want the account's and two addresses'", n)
	}
}

// A success clears the account's counter and gives the address its
// attempt back: people who sign in from one office are not locked out by
// each other, while the address's failures still add up.
func TestLoginSuccessClearsTheAccountAndRefundsTheAddress(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newStore(t, accounts.WithLoginLimits(3, 2, time.Hour))
	for _, e := range []string{"a@example.org", "b@example.org"} {
		if _, err := s.CreateUser(ctx, cli, accounts.NewUser{Email: e, Name: "A", Password: "correct horse battery"}); err != nil {
			t.Fatal(err)
		}
	}
	login := func(email, password, ip string) error {
		_, err := s.Authenticate(ctx, email, password, ip, "")
		return err
	}
	for i := range 10 {
		for _, e := range []string{"a@example.org", "b@example.org"} {
			if err := login(e, "correct horse battery", "192.0.2.1"); err != nil {
				t.Fatalf("login %d of %s from one address: %v", i+1, e, err)
			}
		}
	}
	// Wrong, right, wrong, right: each success starts the account's count
	// again (without it the third attempt would be over the limit of 2).
	for i, want := range []error{accounts.ErrBadCredentials, nil, accounts.ErrBadCredentials, nil} {
		password := "correct horse battery"
		if want != nil {
			password = "wrong password!!"
		}
		if err := login("a@example.org", password, fmt.Sprintf("198.51.100.%d", i)); !errors.Is(err, want) {
			t.Fatalf("attempt %d: %v, want %v", i+1, err, want)
		}
	}
	// Failures from one address add up: 3 allowed, then refused.
	for i, want := range []error{accounts.ErrBadCredentials, accounts.ErrBadCredentials, accounts.ErrBadCredentials, accounts.ErrRateLimited} {
		if err := login(fmt.Sprintf("nobody%d@example.org", i), "wrong password!!", "192.0.2.1"); !errors.Is(err, want) {
			t.Fatalf("failure %d from one address: %v, want %v", i+1, err, want)
		}
	}
}

// Fifty wrong codes at once for one user whose limit is five: five are
// checked and audited, 45 refused, and then even the right code is
// refused within the window.
func TestParallelWrongCodesCheckExactlyTheLimit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool := newStore(t, accounts.WithLoginLimits(1000, 5, time.Hour))
	uid, err := s.CreateUser(ctx, cli, accounts.NewUser{Email: "staff@example.org", Name: "S", Password: "correct horse battery", Role: accounts.RoleStaff})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := s.User(ctx, uid)
	e, err := accounts.NewEnrolment(u)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := totp.GenerateCode(e.Secret, time.Now())
	if _, err := s.EnableTwoFactor(ctx, cli, uid, e.Secret, code, ""); err != nil {
		t.Fatal(err)
	}
	wrong := wrongCode(t, e.Secret)
	errs := burst(50, func(int) error { return s.VerifySecondFactor(ctx, uid, wrong, "192.0.2.1", "") })
	if got := tally(t, errs, accounts.ErrBadCredentials, accounts.ErrRateLimited); got[0] != 5 || got[1] != 45 {
		t.Fatalf("%d wrong and %d rate limited of 50 parallel codes, want 5 and 45", got[0], got[1])
	}
	if n := countRows(t, pool, `SELECT count(*) FROM audit_log WHERE action = 'user.two_factor_failure'`); n != 5 {
		t.Errorf("%d codes checked (audited failures), want 5", n)
	}
	next, _ := totp.GenerateCode(e.Secret, time.Now().Add(30*time.Second))
	if err := s.VerifySecondFactor(ctx, uid, next, "198.51.100.7", ""); !errors.Is(err, accounts.ErrRateLimited) || fault.RetryAfterOf(err) <= 0 {
		t.Errorf("the right code within the window: %v, want ErrRateLimited with a retry delay", err)
	}
}

// wrongCode is a six-digit code that no step near now accepts.
func wrongCode(t *testing.T, secret string) string {
	t.Helper()
	for c := 0; c < 10; c++ {
		code := strings.Repeat(fmt.Sprint(c), 6)
		ok := false
		for _, d := range []time.Duration{-30 * time.Second, 0, 30 * time.Second, time.Minute} {
			if right, _ := totp.GenerateCode(secret, time.Now().Add(d)); right == code {
				ok = true
			}
		}
		if !ok {
			return code
		}
	}
	t.Fatal("no wrong code found")
	return ""
}

// A reset or invitation link is looked up before any password is hashed:
// an unknown token costs no hashing and counts against the address; a
// valid one redeemed many times at once sets one password.
func TestRedemptionLooksUpTheTokenBeforeHashing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var hashes hashCounter
	pool := pgtest.NewPool(t)
	outbox, _ := mailtest.Outbox(t, pool, "Partnerdir <no-reply@partners.test>")
	s := accounts.NewStore(pool, accounts.WithFastHashing(), accounts.WithMail(outbox, "https://partners.test"),
		accounts.WithTokenLimits(3, time.Hour), hashes.option())
	if _, err := s.CreateUser(ctx, cli, accounts.NewUser{Email: "u@example.org", Name: "U", Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	hashes.n.Store(0)
	for i := range 3 {
		if _, err := s.RedeemToken(ctx, fmt.Sprintf("no-such-token-%d", i), false, "a new long passphrase", "192.0.2.1", ""); !errors.Is(err, fault.ErrNotFound) {
			t.Fatalf("unknown token %d: %v, want ErrNotFound", i, err)
		}
	}
	if _, err := s.RedeemToken(ctx, "no-such-token", true, "a new long passphrase", "192.0.2.1", ""); !errors.Is(err, accounts.ErrTokenLimited) ||
		fault.RetryAfterOf(err) <= 0 {
		t.Fatalf("fourth try from one address: %v, want ErrTokenLimited with a retry delay", err)
	}
	if n := hashes.n.Load(); n != 0 {
		t.Errorf("%d passwords hashed for unknown tokens, want 0", n)
	}

	if err := s.RequestPasswordReset(ctx, "u@example.org", "en", "198.51.100.1", ""); err != nil {
		t.Fatal(err)
	}
	token := tokenIn(t, mails(t, pool)[0])
	errs := burst(10, func(i int) error {
		_, err := s.RedeemToken(ctx, token, false, fmt.Sprintf("parallel passphrase %d", i), fmt.Sprintf("203.0.113.%d", i), "")
		return err
	})
	if got := tally(t, errs, nil, fault.ErrNotFound); got[0] != 1 || got[1] != 9 {
		t.Fatalf("%d redemptions succeeded and %d found the link used, want 1 and 9", got[0], got[1])
	}
	if n := hashes.n.Load(); n != 1 {
		t.Errorf("%d passwords hashed for one link redeemed 10 times, want 1", n)
	}
	winner := -1
	for i, err := range errs {
		if err == nil {
			winner = i
		}
	}
	if _, err := s.Authenticate(ctx, "u@example.org", fmt.Sprintf("parallel passphrase %d", winner), "198.51.100.2", ""); err != nil {
		t.Errorf("login with the winning redemption's password: %v", err)
	}
}

// Reset requests are limited per address (a refusal the visitor sees) and
// per email (quietly: no mail, whether or not an account has the email).
func TestResetRequestsAreLimited(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	outbox, _ := mailtest.Outbox(t, pool, "Partnerdir <no-reply@partners.test>")
	s := accounts.NewStore(pool, accounts.WithFastHashing(), accounts.WithMail(outbox, "https://partners.test"),
		accounts.WithTokenLimits(4, time.Hour))
	if _, err := s.CreateUser(ctx, cli, accounts.NewUser{Email: "u@example.org", Name: "U", Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	// Per email, known or not: 3 an hour, then ErrResetsPerEmail and no
	// mail.
	for _, email := range []string{"u@example.org", "nobody@example.org"} {
		errs := burst(6, func(i int) error {
			return s.RequestPasswordReset(ctx, email, "fr", fmt.Sprintf("203.0.113.%d", i), "")
		})
		if got := tally(t, errs, nil, accounts.ErrResetsPerEmail); got[0] != 3 || got[1] != 3 {
			t.Errorf("%s: %d accepted and %d refused of 6 parallel requests, want 3 and 3", email, got[0], got[1])
		}
	}
	if n := len(mails(t, pool)); n != 3 {
		t.Errorf("%d reset mails, want 3", n)
	}
	// Per address: 4 an hour.
	errs := burst(6, func(i int) error {
		return s.RequestPasswordReset(ctx, fmt.Sprintf("someone%d@example.org", i), "fr", "192.0.2.1", "")
	})
	if got := tally(t, errs, nil, accounts.ErrTokenLimited); got[0] != 4 || got[1] != 2 {
		t.Errorf("%d accepted and %d refused of 6 parallel requests from one address, want 4 and 2", got[0], got[1])
	}
}

// With one hashing slot held, a login waits briefly, then is refused with
// ErrBusy: nothing is checked, no failure recorded, and its attempts are
// given back. Creating a user is refused the same way and stores nothing.
func TestHashingSlotsRefuseWhenBusy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var holding atomic.Bool
	entered, release := make(chan struct{}), make(chan struct{})
	hook := accounts.WithHashHook(func() {
		if holding.CompareAndSwap(true, false) {
			close(entered)
			<-release
		}
	})
	s, pool := newStore(t, accounts.WithHashing(1, 50*time.Millisecond), hook, accounts.WithLoginLimits(100, 5, time.Hour))
	if _, err := s.CreateUser(ctx, cli, accounts.NewUser{Email: "u@example.org", Name: "U", Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	holding.Store(true)
	held := make(chan error, 1)
	go func() {
		_, err := s.Authenticate(ctx, "u@example.org", "correct horse battery", "192.0.2.1", "")
		held <- err
	}()
	<-entered

	started := time.Now()
	_, err := s.Authenticate(ctx, "u@example.org", "wrong password!!", "192.0.2.2", "")
	if !errors.Is(err, accounts.ErrBusy) || fault.KindOf(err) != fault.Unavailable || fault.RetryAfterOf(err) <= 0 {
		t.Fatalf("login while the slot is held: %v, want ErrBusy with a retry delay", err)
	}
	if waited := time.Since(started); waited > 5*time.Second {
		t.Errorf("the busy refusal took %v: the wait is not bounded", waited)
	}
	if _, err := s.CreateUser(ctx, cli, accounts.NewUser{Email: "v@example.org", Name: "V", Password: "correct horse battery"}); !errors.Is(err, accounts.ErrBusy) {
		t.Errorf("creating a user while the slot is held: %v, want ErrBusy", err)
	}
	if n := countRows(t, pool, `SELECT count(*) FROM users WHERE email = 'v@example.org'`); n != 0 {
		t.Error("a refused creation stored the user")
	}
	if n := countRows(t, pool, `SELECT count(*) FROM audit_log WHERE action = 'user.login_failure'`); n != 0 {
		t.Errorf("%d failures recorded for a login nobody checked", n)
	}
	if n := countRows(t, pool, `SELECT COALESCE(sum(hits), 0) FROM rate_limits WHERE key LIKE 'login:%'`); n != 2 {
		t.Errorf("%d login attempts counted, want the held login's two (the busy one's given back)", n)
	}
	close(release)
	if err := <-held; err != nil {
		t.Errorf("the login holding the slot: %v", err)
	}
}
