package accounts

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/postgres"
)

// sealLock is the advisory lock under which one process at a time seals
// the TOTP secrets.
const sealLock = 0x7064_746f_7470 // "pdtotp"

// SealReport says what SealTOTPSecrets did.
type SealReport struct {
	// Sealed were secrets in clear, now sealed under the newest key.
	Sealed int
	// Resealed were sealed under an older key, now under the newest.
	Resealed int
	// Unreadable are sealed under no configured key (a key was dropped
	// from TOTP_KEYS too soon): left as they are; those users cannot pass
	// two-factor until the key is back or an admin resets their account.
	Unreadable []int64
	// PendingCleared are enrolment secrets left in clear in sessions,
	// removed (their owners are offered a new secret).
	PendingCleared int
	// RecoveryByOlderKey counts the unused recovery codes MACed under each
	// configured key but the newest, by key id: those keys must stay in
	// TOTP_KEYS while the codes may be used. RecoveryByUnknownKey counts
	// codes under no configured key, which no longer verify.
	RecoveryByOlderKey   map[string]int
	RecoveryByUnknownKey int
}

// SealTOTPSecrets brings every stored TOTP secret under the newest key:
// secrets still in clear (stored before sealing existed, or by an older
// version of the program during a rolling update) are sealed, secrets
// sealed under an older key are sealed again. It also removes pending
// enrolment secrets left in clear in sessions. It is idempotent and runs
// in one transaction under an advisory lock, so instances starting
// together do not race; the program runs it at every start.
func (s *Store) SealTOTPSecrets(ctx context.Context) (SealReport, error) {
	var r SealReport
	err := postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		r = SealReport{RecoveryByOlderKey: map[string]int{}}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(sealLock)); err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, `SELECT id, totp_secret FROM users WHERE totp_secret <> '' AND NOT starts_with(totp_secret, $1)
			ORDER BY id FOR UPDATE`, s.box.newest())
		type row struct {
			ID     int64
			Secret string
		}
		stale, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
		if err != nil {
			return err
		}
		for _, u := range stale {
			secret, err := s.openTOTP(u.ID, u.Secret)
			if errors.Is(err, errUnsealable) {
				r.Unreadable = append(r.Unreadable, u.ID)
				continue
			}
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE users SET totp_secret = $2 WHERE id = $1`, u.ID, s.box.seal(purposeTOTP, u.ID, secret)); err != nil {
				return err
			}
			if sealed(u.Secret) {
				r.Resealed++
			} else {
				r.Sealed++
			}
		}
		tag, err := tx.Exec(ctx, `UPDATE sessions SET data = data - $1 WHERE data ? $1 AND NOT starts_with(data->>$1, $2)`,
			SessionPendingTOTP, sealedPrefix)
		if err != nil {
			return err
		}
		r.PendingCleared = int(tag.RowsAffected())
		return s.countRecoveryKeys(ctx, tx, &r)
	})
	if err != nil {
		return SealReport{}, fmt.Errorf("accounts: seal TOTP secrets: %w", err)
	}
	return r, nil
}

// countRecoveryKeys fills r's counts of unused recovery codes that need a
// key older than the newest.
func (s *Store) countRecoveryKeys(ctx context.Context, tx pgx.Tx, r *SealReport) error {
	ids := s.box.keyIDs()
	rows, _ := tx.Query(ctx, `SELECT key_id, count(*) FROM recovery_codes
		WHERE scheme = $1 AND used_at IS NULL AND key_id <> $2 GROUP BY key_id`, recoveryHMAC, ids[0])
	var keyID string
	var n int
	_, err := pgx.ForEachRow(rows, []any{&keyID, &n}, func() error {
		known := false
		for _, id := range ids[1:] {
			known = known || id == keyID
		}
		if known {
			r.RecoveryByOlderKey[keyID] = n
		} else {
			r.RecoveryByUnknownKey += n
		}
		return nil
	})
	return err
}
