package search

import (
	"sync"
	"time"
)

// breaker is a circuit breaker: after threshold consecutive failures it
// opens and refuses calls for cooldown, then lets one trial call through
// (half-open); a success closes it again. A hung Meilisearch thus costs
// one short deadline per cooldown instead of one per request.
type breaker struct {
	threshold int
	cooldown  time.Duration
	now       func() time.Time

	mu       sync.Mutex
	failures int
	openedAt time.Time
	trial    bool // a half-open trial call is in flight
}

func newBreaker(threshold int, cooldown time.Duration) *breaker {
	return &breaker{threshold: threshold, cooldown: cooldown, now: time.Now}
}

// allow reports whether a call may go through.
func (b *breaker) allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.failures < b.threshold {
		return true
	}
	if b.trial || b.now().Sub(b.openedAt) < b.cooldown {
		return false
	}
	b.trial = true
	return true
}

// done records a call's outcome.
func (b *breaker) done(ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.trial = false
	if ok {
		b.failures = 0
		return
	}
	b.failures++
	if b.failures >= b.threshold {
		b.openedAt = b.now()
	}
}

// open reports whether calls are being refused.
func (b *breaker) open() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.failures >= b.threshold
}

// release ends a trial call without a verdict (the caller gave up).
func (b *breaker) release() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.trial = false
}

// state names where the breaker is: closed, open (refusing calls), or
// half-open (the cooldown is over, or a trial call is in flight).
func (b *breaker) state() BreakerState {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.failures < b.threshold:
		return BreakerClosed
	case b.trial || b.now().Sub(b.openedAt) >= b.cooldown:
		return BreakerHalfOpen
	}
	return BreakerOpen
}
