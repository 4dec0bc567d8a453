package memo_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partnerdir/partnerdir/internal/memo"
)

// A value is computed once, however many callers ask at the same time,
// and again after Invalidate.
func TestGetComputesOncePerGeneration(t *testing.T) {
	c := memo.New[int](time.Hour)
	var calls atomic.Int32
	release := make(chan struct{})
	compute := func(context.Context) (int, error) {
		<-release
		return int(calls.Add(1)), nil
	}
	var wg sync.WaitGroup
	got := make([]int, 20)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := c.Get(context.Background(), "k", compute)
			if err != nil {
				t.Error(err)
			}
			got[i] = v
		}()
	}
	// Whether a caller queues behind the first computation or comes after
	// it, it must see that one value.
	close(release)
	wg.Wait()
	for _, v := range got {
		if v != 1 {
			t.Fatalf("callers saw %v; want every one 1 (one computation)", got)
		}
	}
	gen := c.Generation()
	c.Invalidate()
	if c.Generation() == gen {
		t.Fatal("Invalidate did not move the generation")
	}
	if v, _ := c.Get(context.Background(), "k", compute); v != 2 {
		t.Fatalf("after Invalidate got %d, want a new computation (2)", v)
	}
	if v, _ := c.Get(context.Background(), "k", compute); v != 2 {
		t.Fatalf("a fresh value was computed again: %d", v)
	}
}

// An old value is served at once while it is refreshed in the background;
// an error keeps nothing and the next read tries again.
func TestGetServesAnOldValueWhileRefreshing(t *testing.T) {
	c := memo.New[string](time.Millisecond)
	v, err := c.Get(context.Background(), "k", func(context.Context) (string, error) { return "first", nil })
	if err != nil || v != "first" {
		t.Fatalf("got %q, %v", v, err)
	}
	time.Sleep(5 * time.Millisecond) // older than the TTL
	refreshed := make(chan struct{})
	v, _ = c.Get(context.Background(), "k", func(context.Context) (string, error) {
		defer close(refreshed)
		return "second", nil
	})
	if v != "first" {
		t.Fatalf("an old value was not served while refreshing: %q", v)
	}
	select {
	case <-refreshed:
	case <-time.After(5 * time.Second):
		t.Fatal("no background refresh")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		v, _ = c.Get(context.Background(), "k", func(context.Context) (string, error) { return "third", nil })
		if v == "second" || v == "third" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the refreshed value never showed: %q", v)
		}
		time.Sleep(time.Millisecond)
	}

	boom := errors.New("boom")
	if _, err := c.Get(context.Background(), "e", func(context.Context) (string, error) { return "", boom }); !errors.Is(err, boom) {
		t.Fatalf("error %v, want boom", err)
	}
	if v, err := c.Get(context.Background(), "e", func(context.Context) (string, error) { return "ok", nil }); err != nil || v != "ok" {
		t.Fatalf("after an error got %q, %v; want a new computation", v, err)
	}
}

func TestFollowRecomputesAfterTheFollowedGenerationMoves(t *testing.T) {
	c := memo.New[int](time.Hour)
	var outside atomic.Uint64
	c.Follow(outside.Load)
	var calls atomic.Int32
	compute := func(context.Context) (int, error) { return int(calls.Add(1)), nil }
	get := func() int {
		t.Helper()
		v, err := c.Get(context.Background(), "k", compute)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if get() != 1 || get() != 1 {
		t.Fatal("a fresh value was computed again")
	}
	outside.Add(1) // another process changed the data
	if v := get(); v != 2 {
		t.Fatalf("after the followed generation moved: got %d, want a new computation (2)", v)
	}
	if get() != 2 {
		t.Fatal("the new value was not kept")
	}
}
