package accounts

import (
	"context"
	"strings"
	"time"

	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/ratelimit"
)

// ErrTokenLimited means too many reset or invitation links were tried, or
// resets asked for, from one client address; try again later. It says
// nothing about any account.
var ErrTokenLimited = fault.New(fault.RateLimited, "auth.token.limited")

// WithTokenLimits sets how many token redemptions (password reset and
// invitation links) a client address may make per window, and as many
// reset requests (default: 10 of each per hour).
func WithTokenLimits(perIP int, window time.Duration) Option {
	return func(s *Store) { s.tokenLimit, s.tokenWindow = perIP, window }
}

// The store's limits, all in the rate_limits table (internal/ratelimit),
// each attempt counted before the work it guards. Subjects are keyed
// pseudonyms: a client address (s.ips.IP), an email (emailKey) or a user
// id.
func (s *Store) loginPerIP() ratelimit.Limit {
	return ratelimit.Limit{Name: "login:ip", Max: s.ipLimit, Window: s.window}
}

func (s *Store) loginPerAccount() ratelimit.Limit {
	return ratelimit.Limit{Name: "login:account", Max: s.accountLimit, Window: s.window}
}

// Second-factor codes have limits of their own, as many as logins'.
func (s *Store) codesPerIP() ratelimit.Limit {
	return ratelimit.Limit{Name: "2fa:ip", Max: s.ipLimit, Window: s.window}
}

func (s *Store) codesPerUser() ratelimit.Limit {
	return ratelimit.Limit{Name: "2fa:user", Max: s.accountLimit, Window: s.window}
}

func (s *Store) redemptionsPerIP() ratelimit.Limit {
	return ratelimit.Limit{Name: "token:ip", Max: s.tokenLimit, Window: s.tokenWindow}
}

func (s *Store) resetsPerIP() ratelimit.Limit {
	return ratelimit.Limit{Name: "reset:ip", Max: s.tokenLimit, Window: s.tokenWindow}
}

func (s *Store) resetsPerEmail() ratelimit.Limit {
	return ratelimit.Limit{Name: "reset:email", Max: maxResetsPerHour, Window: time.Hour}
}

// emailKey is the pseudonym of an email address in limit keys, whatever
// its case.
func (s *Store) emailKey(email string) string {
	return s.ips.Key("email", strings.ToLower(normalizeEmail(email)))
}

// take counts one attempt of subject against l on the pool, so that it
// counts at once for every instance; refused, it returns refusal with
// when to try again.
func (s *Store) take(ctx context.Context, l ratelimit.Limit, subject string, refusal error) (ratelimit.Decision, error) {
	d, err := l.Take(ctx, s.pool, subject)
	if err != nil {
		return d, err
	}
	if !d.Allowed {
		return d, fault.Later(refusal, d.RetryAfter)
	}
	return d, nil
}
