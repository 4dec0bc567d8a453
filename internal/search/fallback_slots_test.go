package search

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
)

// notReady is a primary engine that is never ready, so every search goes
// to the fallback.
type notReady struct{}

func (notReady) Search(context.Context, Query) (*Result, error) { return nil, ErrNotReady }

// fill holds every slot of f until t ends (or release is called).
func fill(t *testing.T, f *Fallback) (release func()) {
	t.Helper()
	for range cap(f.slots) {
		f.slots <- struct{}{}
	}
	released := false
	release = func() {
		if !released {
			released = true
			for range cap(f.slots) {
				<-f.slots
			}
		}
	}
	t.Cleanup(release)
	return release
}

// The wait for a fallback slot is bounded: with both slots held, a search
// whose request could wait a minute gets ErrUnavailable (an Unavailable
// fault, so a 503) after fallbackSlotWait, and once a slot frees the same
// search is answered.
func TestFallbackSlotWaitIsBounded(t *testing.T) {
	t.Parallel()
	f := NewFallback(pgtest.NewPool(t))
	release := fill(t, f)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	start := time.Now()
	_, err := f.Search(ctx, Query{Text: "Bamako", Page: 1, PerPage: 20})
	took := time.Since(start)
	if !errors.Is(err, ErrUnavailable) || fault.KindOf(err) != fault.Unavailable {
		t.Fatalf("slots full: %v, want ErrUnavailable", err)
	}
	if took < 400*time.Millisecond || took > 2*time.Second {
		t.Errorf("slots full: answered after %v, want about fallbackSlotWait (%v), not the request's deadline", took, fallbackSlotWait)
	}

	// Through the service, as the page calls it.
	svc := &Service{primary: notReady{}, fallback: f, timeout: time.Second, deadline: time.Minute,
		br: newBreaker(3, time.Second), log: slog.New(slog.DiscardHandler)}
	start = time.Now()
	_, err = svc.Search(ctx, Query{Text: "Bamako"})
	if took := time.Since(start); !errors.Is(err, ErrUnavailable) || took < 400*time.Millisecond || took > 2*time.Second {
		t.Errorf("service, slots full: %v after %v, want ErrUnavailable after about %v", err, took, fallbackSlotWait)
	}

	release()
	if _, err := f.Search(ctx, Query{Text: "Bamako", Page: 1, PerPage: 20}); err != nil {
		t.Errorf("a slot free: %v", err)
	}
}

// The service's deadline bounds the fallback too: shorter than the slot
// wait, it ends the wait first.
func TestServiceDeadlineBoundsFallback(t *testing.T) {
	t.Parallel()
	f := NewFallback(pgtest.NewPool(t))
	fill(t, f)
	svc := &Service{primary: notReady{}, fallback: f, timeout: time.Second, deadline: 50 * time.Millisecond,
		br: newBreaker(3, time.Second), log: slog.New(slog.DiscardHandler)}
	start := time.Now()
	_, err := svc.Search(context.Background(), Query{Text: "Bamako"})
	took := time.Since(start)
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), context.DeadlineExceeded.Error()) {
		t.Errorf("deadline 50 ms: %v, want ErrUnavailable from the deadline (not the slot wait)", err)
	}
	if took > 2*time.Second {
		t.Errorf("deadline 50 ms: answered after %v", took)
	}
}
