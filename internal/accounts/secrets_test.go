package accounts_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pquerna/otp/totp"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
)

var (
	keyA = accounts.TOTPKey{0xa1, 0xa2, 0xa3}
	keyB = accounts.TOTPKey{0xb1, 0xb2, 0xb3}
	keyC = accounts.TOTPKey{0xc1, 0xc2, 0xc3}
)

// storeWithKeys is another process over the same database with TOTP_KEYS
// set to keys.
func storeWithKeys(pool *pgxpool.Pool, keys ...accounts.TOTPKey) *accounts.Store {
	return accounts.NewStore(pool, accounts.WithFastHashing(), accounts.WithTOTPKeys(keys...))
}

// enrolled creates a user with two-factor enrolled through s and returns
// their id, secret and recovery codes.
func enrolled(t *testing.T, s *accounts.Store, email string) (int64, string, []string) {
	t.Helper()
	ctx := context.Background()
	uid, err := s.CreateUser(ctx, cli, accounts.NewUser{Email: email, Name: "U", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := s.User(ctx, uid)
	e, err := accounts.NewEnrolment(u)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := totp.GenerateCode(e.Secret, time.Now())
	recovery, err := s.EnableTwoFactor(ctx, cli, uid, e.Secret, code, "")
	if err != nil {
		t.Fatal(err)
	}
	return uid, e.Secret, recovery
}

func storedSecret(t *testing.T, pool *pgxpool.Pool, uid int64) string {
	t.Helper()
	var v string
	if err := pool.QueryRow(context.Background(), `SELECT totp_secret FROM users WHERE id = $1`, uid).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// freshCode is the current TOTP code of secret for user, whose last used
// step is forgotten first, so a test can pass two-factor more than twice
// with one secret.
func freshCode(t *testing.T, pool *pgxpool.Pool, uid int64, secret string) string {
	t.Helper()
	if _, err := pool.Exec(context.Background(), `UPDATE users SET totp_last_step = 0 WHERE id = $1`, uid); err != nil {
		t.Fatal(err)
	}
	code, _ := totp.GenerateCode(secret, time.Now())
	return code
}

// TestTOTPSecretIsUnreadableWithoutTheKey: the stored secret is sealed
// (the column holds neither the base32 secret nor its bytes), it is bound
// to its user, and a process with another key cannot use it.
func TestTOTPSecretIsUnreadableWithoutTheKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	s := storeWithKeys(pool, keyA)
	uid, secret, recovery := enrolled(t, s, "a@example.org")
	other, otherSecret, _ := enrolled(t, s, "b@example.org")

	stored := storedSecret(t, pool, uid)
	if !strings.HasPrefix(stored, "v1:") || strings.Contains(stored, secret) || strings.Contains(strings.ToUpper(stored), secret) {
		t.Fatalf("stored secret %q is not sealed", stored)
	}
	var clear int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM users WHERE totp_secret ILIKE '%' || $1 || '%' OR totp_secret ILIKE '%' || $2 || '%'`,
		secret, otherSecret).Scan(&clear)
	if clear != 0 {
		t.Error("a secret is in clear in users")
	}

	// The right key opens it.
	if err := s.VerifySecondFactor(ctx, uid, freshCode(t, pool, uid, secret), "192.0.2.1", ""); err != nil {
		t.Fatalf("code under the right key: %v", err)
	}
	// Another key does not: the code cannot even be checked.
	stranger := storeWithKeys(pool, keyC)
	if err := stranger.VerifySecondFactor(ctx, uid, freshCode(t, pool, uid, secret), "192.0.2.1", ""); err == nil {
		t.Error("a process without the key verified a code")
	}
	// Neither does a recovery code: its MAC needs the key too.
	if err := stranger.VerifySecondFactor(ctx, uid, recovery[0], "192.0.2.1", ""); err == nil {
		t.Error("a process without the key accepted a recovery code")
	}
	// A sealed secret copied to another user's row does not open there.
	if _, err := pool.Exec(ctx, `UPDATE users SET totp_secret = $2, totp_last_step = 0 WHERE id = $1`, other, stored); err != nil {
		t.Fatal(err)
	}
	code, _ := totp.GenerateCode(secret, time.Now())
	if err := s.VerifySecondFactor(ctx, other, code, "192.0.2.1", ""); err == nil {
		t.Error("a secret moved to another user opened")
	}
}

// TestPendingSecretIsSealedForItsUser: the enrolment secret kept in the
// session is sealed, opens for its user only, and not under another key.
func TestPendingSecretIsSealedForItsUser(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	s := storeWithKeys(pool, keyA)
	const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	pending := s.SealPending(7, secret)
	if strings.Contains(pending, secret) || !strings.HasPrefix(pending, "v1:") {
		t.Fatalf("pending secret %q is not sealed", pending)
	}
	if got, err := s.OpenPending(7, pending); err != nil || got != secret {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := s.OpenPending(8, pending); err == nil {
		t.Error("another user's pending secret opened")
	}
	if _, err := storeWithKeys(pool, keyC).OpenPending(7, pending); err == nil {
		t.Error("a pending secret opened under another key")
	}
	if _, err := storeWithKeys(pool, keyB, keyA).OpenPending(7, pending); err != nil {
		t.Errorf("a pending secret under an older key: %v", err)
	}
	if _, err := s.OpenPending(7, secret); err == nil {
		t.Error("a clear value was taken for a sealed one")
	}
}

// TestSealTOTPSecretsSealsClearSecretsAndRotatesKeys is the start-up step:
// a secret in clear (stored before sealing) and a secret sealed under the
// old key A both end up sealed under the new key B once TOTP_KEYS=B,A;
// two-factor logins and recovery codes — legacy SHA-256 ones, and HMACs
// under A — keep working; a second run does nothing.
func TestSealTOTPSecretsSealsClearSecretsAndRotatesKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	old := storeWithKeys(pool, keyA)
	rotated, secretRotated, recoveryA := enrolled(t, old, "rotated@example.org")
	sealedUnderA := storedSecret(t, pool, rotated)

	// A user from before sealing: clear secret, SHA-256 recovery codes.
	const clearSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	legacy, err := old.CreateUser(ctx, cli, accounts.NewUser{Email: "legacy@example.org", Name: "L", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	legacyCode := "abcde-fghij"
	h := sha256.Sum256([]byte(legacyCode))
	if _, err := pool.Exec(ctx, `UPDATE users SET totp_secret = $2, totp_enabled_at = now() WHERE id = $1`, legacy, clearSecret); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO recovery_codes (user_id, code_hash, scheme) VALUES ($1, $2, 0)`, legacy, h[:]); err != nil {
		t.Fatal(err)
	}
	// Before the start-up step the clear secret still works.
	if err := old.VerifySecondFactor(ctx, legacy, freshCode(t, pool, legacy, clearSecret), "192.0.2.1", ""); err != nil {
		t.Fatalf("clear secret before sealing: %v", err)
	}

	s := storeWithKeys(pool, keyB, keyA)
	// Under B,A, A's secret still works before resealing.
	if err := s.VerifySecondFactor(ctx, rotated, freshCode(t, pool, rotated, secretRotated), "192.0.2.1", ""); err != nil {
		t.Fatalf("secret under the older key: %v", err)
	}
	// Two instances start at once: the secrets are sealed once.
	var wg sync.WaitGroup
	reports := make([]accounts.SealReport, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() { reports[i], errs[i] = s.SealTOTPSecrets(ctx) })
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatal(errs)
	}
	sealedN := reports[0].Sealed + reports[1].Sealed
	resealedN := reports[0].Resealed + reports[1].Resealed
	if sealedN != 1 || resealedN != 1 {
		t.Fatalf("sealed %d, resealed %d, want 1 and 1: %+v", sealedN, resealedN, reports)
	}
	r, err := s.SealTOTPSecrets(ctx)
	if err != nil || r.Sealed+r.Resealed != 0 || len(r.Unreadable) != 0 {
		t.Errorf("second run: %+v %v, want nothing to do", r, err)
	}
	if n := r.RecoveryByOlderKey; len(n) != 1 || sumValues(n) != 10 {
		t.Errorf("unused recovery codes under the older key: %v, want 10 under one key", n)
	}

	stored := storedSecret(t, pool, legacy)
	if stored == clearSecret || strings.Contains(stored, clearSecret) || !strings.HasPrefix(stored, "v1:") {
		t.Errorf("clear secret not sealed: %q", stored)
	}
	if now := storedSecret(t, pool, rotated); now == sealedUnderA || !strings.HasPrefix(now, "v1:") {
		t.Errorf("secret under A not resealed: %q", now)
	}
	// Both now open under B alone: A could be dropped (but for the
	// recovery codes made under it).
	onlyB := storeWithKeys(pool, keyB)
	for uid, secret := range map[int64]string{legacy: clearSecret, rotated: secretRotated} {
		if err := onlyB.VerifySecondFactor(ctx, uid, freshCode(t, pool, uid, secret), "192.0.2.1", ""); err != nil {
			t.Errorf("user %d under B only: %v", uid, err)
		}
	}
	// A process with A alone can no longer open them.
	if err := old.VerifySecondFactor(ctx, legacy, freshCode(t, pool, legacy, clearSecret), "192.0.2.1", ""); err == nil {
		t.Error("the resealed secret opened under the old key alone")
	}
	// Recovery codes: the legacy one works once; one MACed under A works
	// under B,A.
	for i, want := range []error{nil, accounts.ErrBadCredentials} {
		if err := s.VerifySecondFactor(ctx, legacy, legacyCode, "192.0.2.1", ""); err != want && !errors.Is(err, want) {
			t.Errorf("legacy recovery code, use %d: %v, want %v", i+1, err, want)
		}
	}
	if err := s.VerifySecondFactor(ctx, rotated, recoveryA[2], "192.0.2.1", ""); err != nil {
		t.Errorf("recovery code MACed under the older key: %v", err)
	}
	var hmacRows int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND scheme = 1 AND key_id <> ''`, rotated).Scan(&hmacRows)
	if hmacRows != 10 {
		t.Errorf("%d recovery codes stored as HMAC with a key id, want 10", hmacRows)
	}
}

// TestSealTOTPSecretsLeavesUnknownKeysAlone: a secret sealed under a key no
// longer configured is reported, not destroyed.
func TestSealTOTPSecretsLeavesUnknownKeysAlone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	uid, _, _ := enrolled(t, storeWithKeys(pool, keyA), "a@example.org")
	before := storedSecret(t, pool, uid)
	r, err := storeWithKeys(pool, keyB).SealTOTPSecrets(ctx)
	if err != nil || len(r.Unreadable) != 1 || r.Unreadable[0] != uid || r.RecoveryByUnknownKey != 10 {
		t.Fatalf("report %+v %v, want user %d unreadable and 10 codes under an unknown key", r, err, uid)
	}
	if storedSecret(t, pool, uid) != before {
		t.Error("an unreadable secret was changed")
	}
}

// TestSealTOTPSecretsClearsPendingSecretsInClear: a session from before
// sealing keeps no enrolment secret in clear after start-up; sealed ones
// stay.
func TestSealTOTPSecretsClearsPendingSecretsInClear(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	s := storeWithKeys(pool, keyA)
	sealedPending := s.SealPending(1, "JBSWY3DPEHPK3PXP")
	if _, err := pool.Exec(ctx, `INSERT INTO sessions (id_hash, data, expires_at) VALUES
		('\x01', jsonb_build_object('totp_secret', 'JBSWY3DPEHPK3PXP', 'csrf', 'x'), now() + interval '1 hour'),
		('\x02', jsonb_build_object('totp_secret', $1::text), now() + interval '1 hour')`, sealedPending); err != nil {
		t.Fatal(err)
	}
	r, err := s.SealTOTPSecrets(ctx)
	if err != nil || r.PendingCleared != 1 {
		t.Fatalf("report %+v %v, want one pending secret cleared", r, err)
	}
	var clear, kept int
	_ = pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE data::text LIKE '%JBSWY3DPEHPK3PXP%'),
		count(*) FILTER (WHERE data->>'totp_secret' = $1 AND data ? 'totp_secret') FROM sessions`, sealedPending).Scan(&clear, &kept)
	if clear != 0 || kept != 1 {
		t.Errorf("sessions: %d with the clear secret, %d with the sealed one kept", clear, kept)
	}
}

// TestTwoFactorChangesEndOtherSessions: enabling and disabling end every
// session of the user but the one asking; disabling needs the password,
// then a current code, and a wrong one changes nothing.
func TestTwoFactorChangesEndOtherSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	s := storeWithKeys(pool, keyA)
	uid, err := s.CreateUser(ctx, cli, accounts.NewUser{Email: "u@example.org", Name: "U", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	sessions := func(ids ...string) {
		t.Helper()
		for _, id := range ids {
			if _, err := pool.Exec(ctx, `INSERT INTO sessions (id_hash, user_id, expires_at) VALUES (sha256(convert_to($1, 'UTF8')), $2, now() + interval '1 hour')`,
				id, uid); err != nil {
				t.Fatal(err)
			}
		}
	}
	alive := func() []bool {
		t.Helper()
		var current, others int
		_ = pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE id_hash = sha256('current')), count(*) FILTER (WHERE id_hash <> sha256('current'))
			FROM sessions WHERE user_id = $1`, uid).Scan(&current, &others)
		return []bool{current == 1, others > 0}
	}
	sessions("current", "laptop", "phone")
	u, _ := s.User(ctx, uid)
	e, _ := accounts.NewEnrolment(u)
	code, _ := totp.GenerateCode(e.Secret, time.Now())
	if _, err := s.EnableTwoFactor(ctx, cli, uid, e.Secret, code, "current"); err != nil {
		t.Fatal(err)
	}
	if a := alive(); !a[0] || a[1] {
		t.Fatalf("after enabling: current alive %v, others alive %v", a[0], a[1])
	}

	sessions("tablet")
	next, _ := totp.GenerateCode(e.Secret, time.Now().Add(30*time.Second))
	for _, tc := range []struct {
		name  string
		c     accounts.Confirmation
		field string
	}{
		{"wrong password", accounts.Confirmation{Password: "wrong password!!", Code: next, ClientIP: "192.0.2.1"}, "password"},
		{"wrong code", accounts.Confirmation{Password: "correct horse battery", Code: "000000", ClientIP: "192.0.2.1"}, "code"},
	} {
		err := s.DisableTwoFactor(ctx, cli, uid, tc.c, "current")
		if !errors.Is(err, fault.ErrInvalid) || fault.FieldsOf(err)[tc.field] == "" {
			t.Errorf("%s: %v, want an error at %s", tc.name, err, tc.field)
		}
		if u, _ := s.User(ctx, uid); !u.TwoFactor {
			t.Fatalf("%s turned two-factor off", tc.name)
		}
		if a := alive(); !a[0] || !a[1] {
			t.Fatalf("%s ended sessions", tc.name)
		}
	}
	// The wrong password used up no code: next still works.
	if err := s.DisableTwoFactor(ctx, cli, uid, accounts.Confirmation{Password: "correct horse battery", Code: next, ClientIP: "192.0.2.1"}, "current"); err != nil {
		t.Fatalf("disable: %v", err)
	}
	if u, _ := s.User(ctx, uid); u.TwoFactor {
		t.Error("two-factor still on")
	}
	if a := alive(); !a[0] || a[1] {
		t.Errorf("after disabling: current alive %v, others alive %v", a[0], a[1])
	}
	var secret string
	var codes int
	_ = pool.QueryRow(ctx, `SELECT totp_secret, (SELECT count(*) FROM recovery_codes WHERE user_id = $1) FROM users WHERE id = $1`, uid).Scan(&secret, &codes)
	if secret != "" || codes != 0 {
		t.Errorf("after disabling: secret %q, %d recovery codes", secret, codes)
	}
}

func sumValues(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
