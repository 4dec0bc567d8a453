package accounts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

// dummyHash is verified when the email is unknown, so a wrong email costs
// the same time as a wrong password.
var dummyHash = sync.OnceValue(func() string {
	h, _ := hashPassword("partnerdir-no-such-user", defaultParams)
	return h
})

// Authenticate checks email and password for a login from clientIP. It
// returns ErrRateLimited when the address or the account has failed too
// often in the current window (without checking the password), and
// ErrBadCredentials for a wrong email or password or a disabled account.
// Successes and failures are audited.
func (s *Store) Authenticate(ctx context.Context, email, password, clientIP, requestID string) (*User, error) {
	email = normalizeEmail(email)
	ipHash := s.ips.IP(clientIP)
	ipKey, accountKey := "ip:"+ipHash, "account:"+strings.ToLower(email)
	limited, err := s.limited(ctx, ipKey, accountKey)
	if err != nil {
		return nil, err
	}
	if limited {
		return nil, ErrRateLimited
	}
	var u User
	var hash string
	err = s.pool.QueryRow(ctx, `SELECT `+userColumns+`, password_hash FROM users WHERE lower(email) = lower($1)`, email).
		Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Disabled, &u.CreatedAt, &u.LastLoginAt, &u.TwoFactor, &hash)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("accounts: authenticate: %w", err)
	}
	ok := false
	if hash != "" {
		ok, err = verifyPassword(password, hash)
		if err != nil {
			return nil, fmt.Errorf("accounts: authenticate user %d: %w", u.ID, err)
		}
	} else {
		_, _ = verifyPassword(password, dummyHash())
	}
	actor := audit.Actor{UserID: u.ID, Label: email, RequestID: requestID}
	if !ok || u.Disabled {
		err := postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
			if err := s.recordFailure(ctx, tx, ipKey, accountKey); err != nil {
				return err
			}
			reason := "bad_credentials"
			if ok {
				reason = "disabled"
			}
			return audit.Record(ctx, tx, actor, audit.Entry{Action: "user.login_failure", EntityType: "user", EntityID: u.ID,
				Details: map[string]any{"email": email, "ip_hash": ipHash, "reason": reason}})
		})
		if err != nil {
			return nil, fmt.Errorf("accounts: record failed login: %w", err)
		}
		return nil, ErrBadCredentials
	}
	err = postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET last_login_at = now() WHERE id = $1`, u.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM login_attempts WHERE key = $1`, accountKey); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: "user.login", EntityType: "user", EntityID: u.ID,
			Details: map[string]any{"ip_hash": ipHash}})
	})
	if err != nil {
		return nil, fmt.Errorf("accounts: record login of %d: %w", u.ID, err)
	}
	return &u, nil
}

// limited reports whether the client address or the account has reached
// its limit of failures in the current window.
func (s *Store) limited(ctx context.Context, ipKey, accountKey string) (bool, error) {
	var n int
	err := s.pool.QueryRow(ctx, `
		SELECT count(*) FROM login_attempts
		WHERE window_start >= now() - make_interval(secs => $3)
			AND ((key = $1 AND failures >= $4) OR (key = $2 AND failures >= $5))`,
		ipKey, accountKey, s.window.Seconds(), s.ipLimit, s.accountLimit).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("accounts: login limits: %w", err)
	}
	return n > 0, nil
}

// recordFailure counts one failure against each of keys (a client address
// and an account), in a window that starts again once it is older than
// the limit's window.
func (s *Store) recordFailure(ctx context.Context, tx pgx.Tx, keys ...string) error {
	for _, k := range keys {
		if _, err := tx.Exec(ctx, `
			INSERT INTO login_attempts AS a (key, window_start, failures) VALUES ($1, now(), 1)
			ON CONFLICT (key) DO UPDATE SET
				failures = CASE WHEN a.window_start < now() - make_interval(secs => $2) THEN 1 ELSE a.failures + 1 END,
				window_start = CASE WHEN a.window_start < now() - make_interval(secs => $2) THEN now() ELSE a.window_start END`,
			k, s.window.Seconds()); err != nil {
			return err
		}
	}
	return nil
}
