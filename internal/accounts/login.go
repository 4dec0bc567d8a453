package accounts

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

// Authenticate checks email and password for a login from clientIP.
//
// Every attempt is counted against the client address, then the account,
// and decided on in the same statement before the password is looked at:
// of any burst of parallel guesses at most the limit are checked. It
// returns ErrRateLimited (with when to try again, fault.RetryAfterOf) over
// either limit, without checking the password; the address comes first,
// so that an address over its limit does not use up the account's
// attempts. It returns ErrBusy, giving both attempts back, when no
// hashing slot frees in time, and ErrBadCredentials for a wrong email or
// password or a disabled account. A success clears the account's counter
// and gives the address its attempt back. A wrong email costs the same
// time as a wrong password (a dummy hash is verified). Successes and
// failures are audited.
func (s *Store) Authenticate(ctx context.Context, email, password, clientIP, requestID string) (*User, error) {
	email = normalizeEmail(email)
	ipHash, account := s.ips.IP(clientIP), s.emailKey(email)
	perIP, perAccount := s.loginPerIP(), s.loginPerAccount()
	ipTaken, err := s.take(ctx, perIP, ipHash, ErrRateLimited)
	if err != nil {
		return nil, fmt.Errorf("accounts: authenticate: %w", err)
	}
	accountTaken, err := s.take(ctx, perAccount, account, ErrRateLimited)
	if err != nil {
		return nil, fmt.Errorf("accounts: authenticate: %w", err)
	}
	var u User
	var hash string
	err = s.pool.QueryRow(ctx, `SELECT `+userColumns+`, password_hash FROM users WHERE lower(email) = lower($1)`, email).
		Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Disabled, &u.CreatedAt, &u.LastLoginAt, &u.TwoFactor, &hash)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("accounts: authenticate: %w", err)
	}
	ok, err := s.checkHash(ctx, password, hash)
	if errors.Is(err, ErrBusy) {
		// Nothing was checked: the attempts are given back.
		if rerr := perIP.Refund(ctx, s.pool, ipHash, ipTaken); rerr != nil {
			return nil, fmt.Errorf("accounts: authenticate: %w", rerr)
		}
		if rerr := perAccount.Refund(ctx, s.pool, account, accountTaken); rerr != nil {
			return nil, fmt.Errorf("accounts: authenticate: %w", rerr)
		}
		return nil, ErrBusy
	}
	if err != nil {
		return nil, fmt.Errorf("accounts: authenticate user %d: %w", u.ID, err)
	}
	actor := audit.Actor{UserID: u.ID, Label: email, RequestID: requestID}
	if !ok || u.Disabled {
		reason := "bad_credentials"
		if ok {
			reason = "disabled"
		}
		err := postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
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
		if err := perAccount.Reset(ctx, tx, account); err != nil {
			return err
		}
		if err := perIP.Refund(ctx, tx, ipHash, ipTaken); err != nil {
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
