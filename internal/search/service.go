package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/sync/singleflight"

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
	// answers are Meilisearch's answers to anonymous searches (nil: off),
	// keyed with the generations gen reads; lookup hears each lookup.
	answers *answerCache
	gen     func(context.Context, Kind) (string, error)
	lookup  func(hit bool)
	flight  singleflight.Group
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
	// program's metrics); it must be quick. Searches the answer cache
	// answered are not counted there but in CacheLookup.
	Observe func(Outcome)
	// CacheBytes bounds the answer cache of SearchAnonymous (0: no
	// cache); CacheTTL is how long an answer may be served (default 30 s).
	CacheBytes int64
	CacheTTL   time.Duration
	// CacheLookup, when set, hears whether each lookup of the answer
	// cache hit (the program's metrics); it must be quick.
	CacheLookup func(hit bool)
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
	if o.CacheTTL == 0 {
		o.CacheTTL = 30 * time.Second
	}
	return &Service{primary: m, fallback: fallback, log: o.Logger, timeout: o.Timeout, deadline: o.Deadline,
		br: newBreaker(o.Failures, o.Cooldown), probe: m.Probe, observe: o.Observe,
		answers: newAnswerCache(o.CacheBytes, o.CacheTTL), gen: m.Generation, lookup: o.CacheLookup}
}

// SearchAnonymous answers q as Search does, from the answer cache when it
// holds Meilisearch's answer to the same query (its text folded: case
// and spaces) for the indexes as they are now. It is for visitors who are
// not signed in: the indexes hold only public texts, but a signed-in
// editor checking a change deserves an answer fresher than the cache's
// generation check. Identical searches arriving together while nothing
// is kept ask Meilisearch once. The Result may be shared: read it only.
func (s *Service) SearchAnonymous(ctx context.Context, q Query) (*Result, error) {
	if s.answers == nil || s.br.open() {
		return s.Search(ctx, q)
	}
	if err := q.Normalize(); err != nil {
		return s.Search(ctx, q) // refused and counted there
	}
	index, other := q.kinds()
	gctx, cancel := context.WithTimeout(ctx, s.timeout)
	g1, err1 := s.gen(gctx, index)
	g2, err2 := s.gen(gctx, other)
	cancel()
	if err1 != nil || err2 != nil {
		return s.Search(ctx, q) // Meilisearch not ready or failing: no answer to key
	}
	key := q.cacheKey(g1, g2)
	if res, ok := s.answers.get(key); ok {
		s.noteLookup(true)
		return res, nil
	}
	s.noteLookup(false)
	cacheGen := s.answers.generation()
	v, err, _ := s.flight.Do(key, func() (any, error) {
		// Detached from the first caller, so one who leaves does not fail
		// the others; the service's deadlines still bound it.
		res, err := s.Search(context.WithoutCancel(ctx), q)
		if err == nil && !res.Fallback {
			s.answers.put(key, cacheGen, res)
		}
		return res, err
	})
	if err != nil {
		return nil, err
	}
	return v.(*Result), nil
}

func (s *Service) noteLookup(hit bool) {
	if s.lookup != nil {
		s.lookup(hit)
	}
}

// Invalidate empties the answer cache: what the wiring calls when it
// learns that an index may have changed in a way the generations do not
// show. The generations make it needless after index changes.
func (s *Service) Invalidate() {
	if s.answers != nil {
		s.answers.invalidate()
	}
}

// CacheHeld reports the answers the cache keeps and their estimated bytes
// (the program's metrics read it on every scrape).
func (s *Service) CacheHeld() (answers int, bytes int64) {
	if s.answers == nil {
		return 0, 0
	}
	return s.answers.held()
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
