package offers_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/offers"
)

// Parallel submissions of different forms from one address, with a limit
// of 3 per address: exactly 3 offers are stored (with their mails), the
// others are refused and leave nothing; a form already stored still gets
// its receipt once the limit is reached, and an address whose limit is not
// reached is still served.
func TestParallelOffersFromOneAddressHeldExactly(t *testing.T) {
	t.Parallel()
	l := noLimits()
	l.PerIP, l.PerEmail = 3, 100
	e := newEnv(t, l)
	const n = 12
	subs := make([]offers.Submission, n)
	for i := range subs {
		subs[i] = submission("ecpat-luxembourg", directory.SupportVolunteering, fmt.Sprintf("donor%d@example.com", i), "fr")
		subs[i].IP = "198.51.100.7"
		subs[i].FormToken = e.store.FormToken()
	}
	receipts := make([]*offers.Receipt, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			receipts[i], errs[i] = e.store.Submit(ctx(), audit.Actor{Label: "donor"}, subs[i])
		})
	}
	close(start)
	wg.Wait()
	stored, rejected, first := 0, 0, -1
	for i, err := range errs {
		switch {
		case err == nil:
			stored++
			first = i
		case errors.Is(err, offers.ErrRejected):
			rejected++
		default:
			t.Errorf("submission %d: %v", i+1, err)
		}
	}
	if stored != 3 || rejected != n-3 {
		t.Fatalf("%d stored and %d rejected of %d parallel offers from one address, want 3 and %d", stored, rejected, n, n-3)
	}
	if got, mails := e.count(t, `SELECT count(*) FROM offers`), e.count(t, `SELECT count(*) FROM mail_messages`); got != 3 || mails != 6 {
		t.Errorf("%d offers and %d mails stored, want 3 and 6", got, mails)
	}

	// The limit is reached: a resubmission of a stored form still gets its
	// receipt, and stores nothing.
	r, err := e.store.Submit(ctx(), audit.Actor{Label: "donor"}, subs[first])
	if err != nil || r.Reference != receipts[first].Reference {
		t.Fatalf("resubmission at the limit: %v %v, want %s", r, err, receipts[first].Reference)
	}
	// A new form from the address is refused; another address is served.
	fresh := subs[0]
	fresh.FormToken = e.store.FormToken()
	if _, err := e.store.Submit(ctx(), audit.Actor{Label: "donor"}, fresh); !errors.Is(err, offers.ErrRejected) {
		t.Errorf("a fourth form from the address: %v, want ErrRejected", err)
	}
	fresh.FormToken, fresh.IP = e.store.FormToken(), "203.0.113.50"
	if _, err := e.store.Submit(ctx(), audit.Actor{Label: "donor"}, fresh); err != nil {
		t.Errorf("a form from another address: %v", err)
	}
	if got := e.count(t, `SELECT count(*) FROM offers`); got != 4 {
		t.Errorf("%d offers, want 4", got)
	}
	// Only the stored offers counted: the refusals were rolled back.
	if hits := e.count(t, `SELECT COALESCE(sum(hits), 0) FROM rate_limits WHERE key LIKE 'offer:ip:%'`); hits != 4 {
		t.Errorf("%d offers counted against addresses, want 4", hits)
	}
	if n := e.count(t, `SELECT count(*) FROM rate_limits WHERE key LIKE '%@%' OR key LIKE '%198.51%'`); n != 0 {
		t.Errorf("%d rate-limit keys hold an email or address in clear", n)
	}
}

// Parallel offers from one email address, each from another address:
// the per-email limit holds exactly too.
func TestParallelOffersFromOneEmailHeldExactly(t *testing.T) {
	t.Parallel()
	l := noLimits()
	l.PerIP, l.PerEmail = 100, 2
	e := newEnv(t, l)
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		s := submission("ecpat-luxembourg", directory.SupportDonation, "Same@Example.com", "en")
		if i%2 == 1 {
			s.Email = "same@example.com" // any case
		}
		s.IP = fmt.Sprintf("192.0.2.%d", i)
		s.FormToken = e.store.FormToken()
		wg.Go(func() {
			<-start
			_, errs[i] = e.store.Submit(ctx(), audit.Actor{Label: "donor"}, s)
		})
	}
	close(start)
	wg.Wait()
	stored := 0
	for i, err := range errs {
		switch {
		case err == nil:
			stored++
		case !errors.Is(err, offers.ErrRejected):
			t.Errorf("submission %d: %v", i+1, err)
		}
	}
	if stored != 2 || e.count(t, `SELECT count(*) FROM offers`) != 2 {
		t.Fatalf("%d offers stored from one email, want 2", stored)
	}
}
