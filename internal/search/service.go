package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
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
		br: newBreaker(o.Failures, o.Cooldown), probe: m.Probe}
}

// Search answers q, from the fallback if need be (Result.Fallback says
// so). It returns ErrUnavailable when the fallback fails too, and a
// Invalid fault for an invalid query. Every search has a deadline
// (ServiceOptions.Deadline) that the fallback's queries honour: past it
// they are cancelled and the answer is ErrUnavailable.
func (s *Service) Search(ctx context.Context, q Query) (*Result, error) {
	if err := q.Normalize(); err != nil {
		return nil, err
	}
	dctx, cancel := context.WithTimeout(ctx, s.deadline)
	defer cancel()
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
		default:
			s.br.done(false)
			s.log.WarnContext(ctx, "search: meilisearch failed; using the PostgreSQL fallback", "err", err)
		}
	}
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
