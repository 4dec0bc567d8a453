package search

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"
)

// engineFunc is an engine made of a function, for the service's own
// decisions.
type engineFunc func(context.Context, Query) (*Result, error)

func (f engineFunc) Search(ctx context.Context, q Query) (*Result, error) { return f(ctx, q) }

// TestServiceTellsHowEachSearchWasAnswered: what an operator's metrics
// show — Meilisearch's answers, the fallback's with the reason it was
// asked, refused and failed searches — and the breaker's state as it
// opens, lets a trial through and closes.
func TestServiceTellsHowEachSearchWasAnswered(t *testing.T) {
	t.Parallel()
	var got []Outcome
	primaryErr := error(nil)
	primary := engineFunc(func(context.Context, Query) (*Result, error) {
		if primaryErr != nil {
			return nil, primaryErr
		}
		return &Result{}, nil
	})
	fallbackErr := error(nil)
	fallback := engineFunc(func(context.Context, Query) (*Result, error) {
		if fallbackErr != nil {
			return nil, fallbackErr
		}
		return &Result{Fallback: true}, nil
	})
	now := time.Unix(0, 0)
	br := newBreaker(2, time.Minute)
	br.now = func() time.Time { return now }
	svc := &Service{primary: primary, fallback: fallback, timeout: time.Second, deadline: time.Second, br: br,
		log: slog.New(slog.DiscardHandler), observe: func(o Outcome) { got = append(got, o) }}
	ctx := context.Background()
	run := func(q Query) {
		t.Helper()
		_, _ = svc.Search(ctx, q)
	}

	run(Query{Text: "ecpat"})
	run(Query{Type: TypeNews, Text: "Bamako"})
	run(Query{Country: "not a country"})
	if s := svc.Breaker(); s != BreakerClosed {
		t.Errorf("breaker %q before any failure, want closed", s)
	}
	primaryErr = ErrNotReady
	run(Query{Text: "ecpat"})
	primaryErr = errors.New("connection refused")
	run(Query{Text: "ecpat"})
	run(Query{Text: "ecpat"})
	if s := svc.Breaker(); s != BreakerOpen {
		t.Errorf("breaker %q after two failures, want open", s)
	}
	run(Query{Type: TypeNews, Text: "ecpat"})
	fallbackErr = errors.New("database down")
	run(Query{Text: "ecpat"})
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, _ = svc.Search(canceled, Query{Text: "ecpat"})
	now = now.Add(2 * time.Minute)
	if s := svc.Breaker(); s != BreakerHalfOpen {
		t.Errorf("breaker %q after the cooldown, want half_open", s)
	}
	primaryErr = nil
	run(Query{Text: "ecpat"})
	if s := svc.Breaker(); s != BreakerClosed {
		t.Errorf("breaker %q after a good trial, want closed", s)
	}

	want := []Outcome{
		{Organisations, SourceEngine, ""},
		{Articles, SourceEngine, ""},
		{Organisations, SourceInvalid, ""},
		{Organisations, SourceFallback, FallbackNotReady},
		{Organisations, SourceFallback, FallbackEngineFailed},
		{Organisations, SourceFallback, FallbackEngineFailed},
		{Articles, SourceFallback, FallbackBreakerOpen},
		{Organisations, SourceFailed, FallbackBreakerOpen},
		{Organisations, SourceCanceled, FallbackBreakerOpen},
		{Organisations, SourceEngine, ""},
	}
	if !slices.Equal(got, want) {
		t.Errorf("outcomes:\n got %v\nwant %v", got, want)
	}
}
