package accounts

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/partnerdir/partnerdir/internal/fault"
)

// ErrBusy means every password-hashing slot stayed taken for the whole
// short wait: the server is busy and asks to come back in a moment.
// Nothing was checked, counted as a failure or changed.
var ErrBusy = &fault.Error{Kind: fault.Unavailable, ID: "auth.busy", RetryAfter: 2 * time.Second}

const (
	// defaultHashMemory is the memory, in bytes, that all concurrent
	// argon2id computations may take together: 64 MiB, 3 slots with the
	// default 19 MiB per hash.
	defaultHashMemory = 64 << 20
	// defaultHashWait is how long a request waits for a free slot.
	defaultHashWait = 200 * time.Millisecond
)

// hashSlots runs argon2id computations, at most cap(slots) at once. Each
// takes params.memory KiB for its whole duration, so without a bound a
// burst of logins or resets takes the machine's memory and CPU; with it, a
// computation that finds no slot free within wait is refused (ErrBusy, a
// quick 503) instead of piling up.
type hashSlots struct {
	slots chan struct{}
	// size and wait are what WithHashing asked for (0: the defaults).
	size int
	wait time.Duration
	// hook is called in the slot before every computation (tests).
	hook func()
	// dummy is the hash verified for an unknown email, made once with the
	// store's parameters so that it costs what a real one does.
	dummy func() string
}

// WithHashing sets how many argon2id computations may run at once (0: as
// many as 64 MiB of memory allows with the store's parameters — 3 at the
// default 19 MiB per hash) and how long a request waits for a free slot
// before ErrBusy (0: 200 ms).
func WithHashing(slots int, wait time.Duration) Option {
	return func(s *Store) { s.hashing.size, s.hashing.wait = slots, wait }
}

// WithHashHook calls fn in the hashing slot right before every argon2id
// computation. Tests only: they count the computations, or hold a slot.
func WithHashHook(fn func()) Option {
	return func(s *Store) { s.hashing.hook = fn }
}

// init sizes the slots for hashes made with p.
func (h *hashSlots) init(p hashParams) {
	if h.size <= 0 {
		h.size = max(1, defaultHashMemory/(int(p.memory)*1024))
	}
	if h.wait <= 0 {
		h.wait = defaultHashWait
	}
	h.slots = make(chan struct{}, h.size)
	h.dummy = sync.OnceValue(func() string {
		hash, _ := hashPassword("partnerdir-no-such-user", p)
		return hash
	})
}

// run runs fn, one argon2id computation, in a free slot. It returns
// ErrBusy, without running fn, when no slot frees within the wait.
func (h *hashSlots) run(ctx context.Context, fn func()) error {
	select {
	case h.slots <- struct{}{}:
	default:
		t := time.NewTimer(h.wait)
		defer t.Stop()
		select {
		case h.slots <- struct{}{}:
		case <-t.C:
			return ErrBusy
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	defer func() { <-h.slots }()
	if h.hook != nil {
		h.hook()
	}
	fn()
	return nil
}

// newHash hashes pw with the store's parameters, in a hashing slot. It
// returns ErrBusy when none is free.
func (s *Store) newHash(ctx context.Context, pw string) (string, error) {
	var hash string
	var err error
	if berr := s.hashing.run(ctx, func() { hash, err = hashPassword(pw, s.params) }); berr != nil {
		return "", berr
	}
	if err != nil {
		return "", fmt.Errorf("accounts: hash password: %w", err)
	}
	return hash, nil
}

// checkHash reports whether pw matches hash, verified in a hashing slot;
// an empty hash (no such user, or no password yet) is checked against the
// dummy hash so that it costs the same time, and never matches. It
// returns ErrBusy when no slot is free.
func (s *Store) checkHash(ctx context.Context, pw, hash string) (bool, error) {
	var ok bool
	var err error
	berr := s.hashing.run(ctx, func() {
		if hash == "" {
			_, _ = verifyPassword(pw, s.hashing.dummy())
			return
		}
		ok, err = verifyPassword(pw, hash)
	})
	if berr != nil {
		return false, berr
	}
	return ok, err
}
