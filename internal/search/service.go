package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/partnerdir/partnerdir/internal/fault"
)

// Service answers the search page: Meilisearch first, within a short
// deadline and behind a circuit breaker, and the PostgreSQL fallback when
// Meilisearch is not ready, fails, is slow or the breaker is open.
type Service struct {
	primary  Engine
	fallback Engine
	log      *slog.Logger
	timeout  time.Duration
	deadline time.Duration
	br       *breaker
	probe    func(context.Context) error
	// observe hears how each search was answered (ServiceOptions.Observe).
	observe func(Outcome)
}

// ServiceOptions tune the Service; zero values take the defaults.
type ServiceOptions struct {
	// Timeout is Meilisearch's deadline per query (default 300 ms).
	Timeout time.Duration
	// Deadline bounds a whole search, Meilisearch and the fallback's wait
	// for a slot and queries included (default 5 s).
	Deadline time.Duration
	// Failures opens the breaker after that many consecutive failures
	// (default 3), for Cooldown (default 5 s).
	Failures int
	Cooldown time.Duration
	Logger   *slog.Logger
	// Observe, when set, hears how every search was answered (the
	// program's metrics); it must be quick.
	Observe func(Outcome)
}

// Source says who answered a search, or why nobody did.
type Source string

// Sources of an Outcome.
const (
	// SourceEngine: Meilisearch answered.
	SourceEngine Source = "engine"
	// SourceFallback: PostgreSQL answered (Outcome.Fallback says why).
	SourceFallback Source = "fallback"
	// SourceFailed: neither could answer (ErrUnavailable).
	SourceFailed Source = "failed"
	// SourceInvalid: the query was refused as invalid, nothing was asked.
	SourceInvalid Source = "invalid"
	// SourceCanceled: the caller left before an answer.
	SourceCanceled Source = "canceled"
)

// FallbackReason says why a search went to the PostgreSQL fallback.
type FallbackReason string

// Reasons of an Outcome's Fallback.
const (
	// FallbackNotReady: Meilisearch's index is not set up yet.
	FallbackNotReady FallbackReason = "not_ready"
	// FallbackEngineFailed: Meilisearch failed or missed its deadline.
	FallbackEngineFailed FallbackReason = "engine_failed"
	// FallbackBreakerOpen: the breaker is open; Meilisearch was not asked.
	FallbackBreakerOpen FallbackReason = "breaker_open"
)

// Outcome is how one search was answered: the index it searched, who
// answered, and why the fallback was asked ("" when it was not).
type Outcome struct {
	Index    Kind
	Source   Source
	Fallback FallbackReason
}

// NewService combines Meilisearch and the fallback.
func NewService(m *Meili, fallback *Fallback, o ServiceOptions) *Service {
	if o.Timeout == 0 {
		o.Timeout = 300 * time.Millisecond
	}
	if o.Deadline == 0 {
		o.Deadline = 5 * time.Second
	}
	if o.Failures == 0 {
		o.Failures = 3
	}
	if o.Cooldown == 0 {
		o.Cooldown = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{primary: m, fallback: fallback, log: o.Logger, timeout: o.Timeout, deadline: o.Deadline,
		br: newBreaker(o.Failures, o.Cooldown), probe: m.Probe, observe: o.Observe}
}

// Search answers q, from the fallback if need be (Result.Fallback says
// so). It returns ErrUnavailable when the fallback fails too, and a
// Invalid fault for an invalid query. Every search has a deadline
// (ServiceOptions.Deadline) that the fallback's queries honour: past it
// they are cancelled and the answer is ErrUnavailable.
func (s *Service) Search(ctx context.Context, q Query) (*Result, error) {
	index, _ := q.kinds()
	o := Outcome{Index: index}
	res, err := s.search(ctx, q, &o)
	if s.observe != nil {
		switch {
		case err == nil && res.Fallback:
			o.Source = SourceFallback
		case err == nil:
			o.Source = SourceEngine
		case ctx.Err() != nil:
			o.Source = SourceCanceled
		case fault.KindOf(err) == fault.Invalid:
			o.Source = SourceInvalid
		default:
			o.Source = SourceFailed
		}
		s.observe(o)
	}
	return res, err
}

// search is Search, noting in o why the fallback was asked.
func (s *Service) search(ctx context.Context, q Query, o *Outcome) (*Result, error) {
	if err := q.Normalize(); err != nil {
		return nil, err
	}
	dctx, cancel := context.WithTimeout(ctx, s.deadline)
	defer cancel()
	why := FallbackBreakerOpen
	if s.br.allow() {
		mctx, cancel := context.WithTimeout(dctx, s.timeout)
		res, err := s.primary.Search(mctx, q)
		cancel()
		switch {
		case err == nil:
			s.br.done(true)
			return res, nil
		case ctx.Err() != nil: // the visitor left; not Meilisearch's fault
			s.br.release()
			return nil, ctx.Err()
		case errors.Is(err, ErrNotReady):
			s.br.release()
			why = FallbackNotReady
		default:
			s.br.done(false)
			why = FallbackEngineFailed
			s.log.WarnContext(ctx, "search: meilisearch failed; using the PostgreSQL fallback", "err", err)
		}
	}
	o.Fallback = why
	res, err := s.fallback.Search(dctx, q)
	if err != nil {
		s.log.ErrorContext(ctx, "search: fallback failed", "err", err)
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return res, nil
}

// Probe reports Meilisearch's state for /readyz: an error while it is
// unreachable, not set up, or while the breaker is open.
func (s *Service) Probe(ctx context.Context) error {
	if s.br.open() {
		return errors.New("search: meilisearch is failing; answering from PostgreSQL")
	}
	return s.probe(ctx)
}

// BreakerState is the state of the breaker in front of Meilisearch.
type BreakerState string

// States of the breaker.
const (
	// BreakerClosed: searches go to Meilisearch.
	BreakerClosed BreakerState = "closed"
	// BreakerOpen: Meilisearch failed repeatedly; searches go to the
	// fallback until the cooldown ends.
	BreakerOpen BreakerState = "open"
	// BreakerHalfOpen: one trial search is asking Meilisearch again, or
	// the cooldown is over and the next search will.
	BreakerHalfOpen BreakerState = "half_open"
)

// Breaker reports the breaker's state now (the program's metrics read it
// on every scrape).
func (s *Service) Breaker() BreakerState { return s.br.state() }
