package joining

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/demo/demotest"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/mail/mailtest"
)

// A burst of sign-ups and applications from one address: exactly the
// limit get through (sign-ups and applications share it), the others are
// refused with when to try again and leave no account behind; another
// address is not affected.
func TestSignUpAndJoinBurstPerAddressHeldExactly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, dir := demotest.Load(t)
	outbox, _ := mailtest.Outbox(t, pool, "Partnerdir <no-reply@partners.test>")
	acc := accounts.NewStore(pool, accounts.WithFastHashing(), accounts.WithMail(outbox, "http://partners.test"))
	s := NewStore(pool, Config{Directory: dir, Accounts: acc, Outbox: outbox, BaseURL: "http://partners.test", JoinsPerHour: 3})
	users := func() int {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := users()

	const n = 12
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, errs[i] = s.SignUp(ctx, audit.Actor{Label: "anonymous"}, NewAccount{Name: "Someone",
				Email: fmt.Sprintf("burst%d@example.net", i), Password: "correct horse battery staple", IP: "192.0.2.7"})
		})
	}
	close(start)
	wg.Wait()
	ok, limited := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, ErrRateLimited) && fault.RetryAfterOf(err) > 0:
			limited++
		default:
			t.Errorf("sign-up: %v", err)
		}
	}
	if ok != 3 || limited != n-3 {
		t.Fatalf("%d sign-ups accepted and %d refused of %d from one address, want 3 and %d", ok, limited, n, n-3)
	}
	if got := users() - before; got != 3 {
		t.Errorf("%d accounts made, want 3", got)
	}
	app := Application{Name: "Applicant", Email: "applicant@example.net", Password: "correct horse battery staple",
		OrgName: "Burst Org", Kind: directory.KindNational, Countries: []string{"LU"},
		Description: "Une organisation.", ContactEmail: "contact@example.net", Lang: "fr", IP: "192.0.2.7"}
	if _, err := s.Join(ctx, audit.Actor{Label: "anonymous"}, app); !errors.Is(err, ErrRateLimited) {
		t.Errorf("an application from the same address: %v, want ErrRateLimited", err)
	}
	app.IP = "198.51.100.7"
	if _, err := s.Join(ctx, audit.Actor{Label: "anonymous"}, app); err != nil {
		t.Errorf("an application from another address: %v", err)
	}
}

// A sign-up refused because the server is busy hashing changes nothing:
// no account, and its attempt is given back.
func TestBusySignUpChangesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, dir := demotest.Load(t)
	outbox, _ := mailtest.Outbox(t, pool, "Partnerdir <no-reply@partners.test>")
	var holding atomic.Bool
	entered, release := make(chan struct{}), make(chan struct{})
	acc := accounts.NewStore(pool, accounts.WithFastHashing(), accounts.WithMail(outbox, "http://partners.test"), accounts.WithHashing(1, 20*time.Millisecond),
		accounts.WithHashHook(func() {
			if holding.CompareAndSwap(true, false) {
				close(entered)
				<-release
			}
		}))
	s := NewStore(pool, Config{Directory: dir, Accounts: acc, Outbox: outbox, BaseURL: "http://partners.test", JoinsPerHour: 1})
	holding.Store(true)
	done := make(chan error, 1)
	go func() {
		_, err := acc.Authenticate(ctx, "nobody@example.net", "whatever password", "203.0.113.1", "")
		done <- err
	}()
	<-entered
	_, err := s.SignUp(ctx, audit.Actor{Label: "anonymous"}, NewAccount{Name: "Someone", Email: "busy@example.net",
		Password: "correct horse battery staple", IP: "192.0.2.7"})
	if !errors.Is(err, accounts.ErrBusy) {
		t.Fatalf("sign-up while hashing is busy: %v, want accounts.ErrBusy", err)
	}
	close(release)
	if err := <-done; !errors.Is(err, accounts.ErrBadCredentials) {
		t.Fatalf("the login holding the slot: %v", err)
	}
	var users int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM users WHERE email = 'busy@example.net'`).Scan(&users); err != nil || users != 0 {
		t.Fatalf("%d accounts after a refused sign-up (%v), want 0", users, err)
	}
	// The limit is 1: had the refused attempt counted, this one would be
	// refused.
	if _, err := s.SignUp(ctx, audit.Actor{Label: "anonymous"}, NewAccount{Name: "Someone", Email: "busy@example.net",
		Password: "correct horse battery staple", IP: "192.0.2.7"}); err != nil {
		t.Errorf("the sign-up sent again: %v", err)
	}
}
