package accounts

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"image/png"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

// totpPeriod is the TOTP time step; codes of the steps just before and
// after are accepted too, for clock drift.
const totpPeriod = 30

// recoveryCodeCount is how many recovery codes enrolment hands out.
const recoveryCodeCount = 10

// Enrolment is a TOTP secret offered to a user, not yet confirmed.
type Enrolment struct {
	// Secret is the base32 secret, shown as text for people who cannot
	// scan the QR code.
	Secret string
	// URL is the otpauth:// URL the QR code encodes.
	URL string
	// QR is the QR code as PNG.
	QR []byte
}

// NewEnrolment makes a fresh TOTP secret for u.
func NewEnrolment(u *User) (*Enrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "Partnerdir", AccountName: u.Email, Period: totpPeriod})
	if err != nil {
		return nil, fmt.Errorf("accounts: new TOTP secret: %w", err)
	}
	return enrolment(key, key.Secret())
}

// enrolment is the enrolment of key, whose secret is secret, with its QR code.
func enrolment(key *otp.Key, secret string) (*Enrolment, error) {
	img, err := key.Image(220, 220)
	if err != nil {
		return nil, fmt.Errorf("accounts: QR code: %w", err)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("accounts: QR code: %w", err)
	}
	return &Enrolment{Secret: secret, URL: key.URL(), QR: b.Bytes()}, nil
}

// matchStep returns the time step whose code is code, among now's and its
// neighbours', or 0.
func matchStep(secret, code string, now time.Time) int64 {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 {
		return 0
	}
	opts := totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	step := now.Unix() / totpPeriod
	for _, s := range []int64{step - 1, step, step + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*totpPeriod, 0), opts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s
		}
	}
	return 0
}

// EnableTwoFactor confirms enrolment of secret with a code from the
// user's authenticator and returns the recovery codes, to show once. The
// secret is stored sealed, the codes as MACs; every other session of the
// user ends (all but keepSession, the id of the session enrolling; "" ends
// them all). It returns ErrBadCredentials for a wrong code.
func (s *Store) EnableTwoFactor(ctx context.Context, actor audit.Actor, userID int64, secret, code, keepSession string) ([]string, error) {
	step := matchStep(secret, code, time.Now())
	if step == 0 {
		return nil, ErrBadCredentials
	}
	codes := make([]string, recoveryCodeCount)
	for i := range codes {
		b := make([]byte, 7)
		_, _ = rand.Read(b)
		c := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))[:10]
		codes[i] = c[:5] + "-" + c[5:]
	}
	err := postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET totp_secret = $2, totp_enabled_at = now(), totp_last_step = $3, updated_at = now()
			WHERE id = $1`, userID, s.box.seal(purposeTOTP, userID, secret), step); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
			return err
		}
		for _, c := range codes {
			mac, keyID := s.box.recoveryMAC(userID, c)
			if _, err := tx.Exec(ctx, `INSERT INTO recovery_codes (user_id, code_hash, scheme, key_id) VALUES ($1, $2, $3, $4)`,
				userID, mac, recoveryHMAC, keyID); err != nil {
				return err
			}
		}
		if err := audit.Record(ctx, tx, actor, audit.Entry{Action: "user.two_factor_enable", EntityType: "user", EntityID: userID}); err != nil {
			return err
		}
		_, err := endSessionsTx(ctx, tx, actor, userID, keepSession)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("accounts: enable two-factor for %d: %w", userID, err)
	}
	return codes, nil
}

// legacyRecoveryHash is a code's unsalted SHA-256 (scheme 0), how codes
// were stored before they were MACed.
func legacyRecoveryHash(code string) []byte {
	h := sha256.Sum256([]byte(normalizeRecoveryCode(code)))
	return h[:]
}

// Confirmation is what a signed-in user gives, from ClientIP, to turn
// two-factor off or to delete their account: their password and a current
// code (TOTP or recovery; for a deletion, only when two-factor is on).
type Confirmation struct {
	Password, Code, ClientIP string
	RequestID                string
}

// DisableTwoFactor removes user's authenticator and recovery codes once
// the user has confirmed it with their password, then a current code
// (both checked, and counted, as a login's are), and ends their other
// sessions (all but keepSession, the id of the session asking). A wrong
// password or code changes nothing and is an Invalid error naming the
// field (password: auth.password.current, code: auth.2fa.wrong); too many
// failures are ErrRateLimited.
func (s *Store) DisableTwoFactor(ctx context.Context, actor audit.Actor, userID int64, c Confirmation, keepSession string) error {
	u, err := s.User(ctx, userID)
	if err != nil {
		return err
	}
	// The password first, so a wrong one uses up no recovery code.
	if _, err := s.Authenticate(ctx, u.Email, c.Password, c.ClientIP, actor.RequestID); errors.Is(err, ErrBadCredentials) {
		return fault.InvalidField("password", "auth.password.current")
	} else if err != nil {
		return err
	}
	if err := s.VerifySecondFactor(ctx, userID, c.Code, c.ClientIP, actor.RequestID); errors.Is(err, ErrBadCredentials) {
		return fault.InvalidField("code", "auth.2fa.wrong")
	} else if err != nil {
		return err
	}
	err = postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE users SET totp_secret = '', totp_enabled_at = NULL, updated_at = now() WHERE id = $1`, userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor, audit.Entry{Action: "user.two_factor_disable", EntityType: "user", EntityID: userID}); err != nil {
			return err
		}
		_, err := endSessionsTx(ctx, tx, actor, userID, keepSession)
		return err
	})
	if err != nil {
		return fmt.Errorf("accounts: disable two-factor for %d: %w", userID, err)
	}
	return nil
}

// VerifySecondFactor checks a TOTP code, or a recovery code (used up), for
// the second step of user's login from clientIP. A code is never accepted
// twice. Every attempt is counted against the client address and the
// user, and decided on in the same statement, before any code is looked
// at: at most the limit of codes are checked per window, however many
// arrive at once. It returns ErrRateLimited (with when to try again) over
// either limit, even for a right code, and ErrBadCredentials for a wrong
// code. A right code clears the user's counter and gives the address its
// attempt back.
func (s *Store) VerifySecondFactor(ctx context.Context, userID int64, code, clientIP, requestID string) error {
	ipHash, subject := s.ips.IP(clientIP), strconv.FormatInt(userID, 10)
	perIP, perUser := s.codesPerIP(), s.codesPerUser()
	ipTaken, err := s.take(ctx, perIP, ipHash, ErrRateLimited)
	if err != nil {
		return fmt.Errorf("accounts: verify second factor of %d: %w", userID, err)
	}
	if _, err := s.take(ctx, perUser, subject, ErrRateLimited); err != nil {
		return fmt.Errorf("accounts: verify second factor of %d: %w", userID, err)
	}
	actor := audit.Actor{UserID: userID, Label: fmt.Sprintf("user %d", userID), RequestID: requestID}
	ok := false
	err = postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var stored string
		var last int64
		err := tx.QueryRow(ctx, `SELECT totp_secret, totp_last_step FROM users WHERE id = $1 AND NOT disabled FOR UPDATE`, userID).Scan(&stored, &last)
		if errors.Is(err, pgx.ErrNoRows) || err == nil && stored == "" {
			return nil
		}
		if err != nil {
			return err
		}
		secret, err := s.openTOTP(userID, stored)
		if err != nil {
			return err
		}
		if step := matchStep(secret, code, time.Now()); step > last {
			ok = true
			_, err = tx.Exec(ctx, `UPDATE users SET totp_last_step = $2 WHERE id = $1`, userID, step)
			return err
		}
		tag, err := tx.Exec(ctx, `
			UPDATE recovery_codes SET used_at = now() WHERE user_id = $1 AND used_at IS NULL
				AND (scheme = $2 AND code_hash = ANY($3) OR scheme = $4 AND code_hash = $5)`,
			userID, recoveryHMAC, s.box.recoveryMACs(userID, code), recoverySHA256, legacyRecoveryHash(code))
		if err != nil {
			return err
		}
		if ok = tag.RowsAffected() > 0; ok {
			return audit.Record(ctx, tx, actor, audit.Entry{Action: "user.recovery_code_use", EntityType: "user", EntityID: userID})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("accounts: verify second factor of %d: %w", userID, err)
	}
	if ok {
		err := postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
			if err := perUser.Reset(ctx, tx, subject); err != nil {
				return err
			}
			return perIP.Refund(ctx, tx, ipHash, ipTaken)
		})
		if err != nil {
			return fmt.Errorf("accounts: verify second factor of %d: %w", userID, err)
		}
		return nil
	}
	err = postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		return audit.Record(ctx, tx, actor, audit.Entry{Action: "user.two_factor_failure", EntityType: "user", EntityID: userID,
			Details: map[string]any{"ip_hash": ipHash}})
	})
	if err != nil {
		return fmt.Errorf("accounts: record second factor failure: %w", err)
	}
	return ErrBadCredentials
}

// EnrolmentFor rebuilds the enrolment of an offered secret (the QR code
// shown again after a wrong code).
func EnrolmentFor(u *User, secret string) (*Enrolment, error) {
	key, err := otp.NewKeyFromURL(fmt.Sprintf("otpauth://totp/Partnerdir:%s?secret=%s&issuer=Partnerdir&period=%d&digits=6&algorithm=SHA1",
		url.PathEscape(u.Email), url.QueryEscape(secret), totpPeriod))
	if err != nil {
		return nil, fmt.Errorf("accounts: TOTP key: %w", err)
	}
	return enrolment(key, secret)
}

// openTOTP is the clear secret of a stored totp_secret: opened when
// sealed, as is when still in clear (stored before sealing; the start-up
// step seals it).
func (s *Store) openTOTP(userID int64, stored string) (string, error) {
	if !sealed(stored) {
		return stored, nil
	}
	return s.box.open(purposeTOTP, userID, stored)
}

// SealPending seals the secret of user's enrolment, to keep in their
// session until they confirm it with a code: the sessions table holds no
// secret in clear either.
func (s *Store) SealPending(userID int64, secret string) string {
	return s.box.seal(purposePending, userID, secret)
}

// OpenPending opens what SealPending sealed for user. It fails for a value
// sealed for another user or under a key no longer configured: start a
// new enrolment then.
func (s *Store) OpenPending(userID int64, pending string) (string, error) {
	return s.box.open(purposePending, userID, pending)
}
