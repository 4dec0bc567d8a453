package accounts

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// TOTPKey is one key of TOTP_KEYS: it seals TOTP secrets and keys the MAC
// of recovery codes.
type TOTPKey [32]byte

// sealedPrefix starts every sealed value: the format's version. A value
// without it is a secret from before sealing (still in clear).
const sealedPrefix = "v1:"

// errUnsealable means no key of the box opens a sealed value: it was
// sealed under a key no longer listed, for another user or purpose, or
// changed.
var errUnsealable = errors.New("accounts: sealed secret opens with no configured key")

// secretBox seals the TOTP secrets kept in the database (users.totp_secret
// and the pending secret in the session during enrolment) with AES-256-GCM,
// and MACs recovery codes, under keys newest first: the newest seals and
// MACs, every key opens and verifies, so keys rotate by adding one in
// front.
//
// A sealed value is "v1:<key id>:<base64url(nonce | ciphertext)>". The key
// id (8 hex digits derived from the key, not its position, which changes
// on rotation) names the key that opens it; the additional data binds the
// value to one purpose and one user, so a value copied to another user's
// row or from the session to the users table does not open.
type secretBox struct {
	keys []boxKey
}

// boxKey is one configured key's derived keys: encryption and MAC keys are
// independent (HKDF with distinct labels), so no key serves two purposes.
type boxKey struct {
	id   string
	aead cipher.AEAD
	mac  []byte
}

// Purposes of sealed values, part of their additional data.
const (
	purposeTOTP    = "totp secret"
	purposePending = "pending totp secret"
)

func newSecretBox(keys []TOTPKey) *secretBox {
	b := &secretBox{}
	for _, k := range keys {
		b.keys = append(b.keys, deriveBoxKey(k))
	}
	return b
}

// randomSecretBox is a box under a key made for this process only: what a
// store gets without WithTOTPKeys (tests of the package).
func randomSecretBox() *secretBox {
	var k TOTPKey
	_, _ = rand.Read(k[:])
	return newSecretBox([]TOTPKey{k})
}

func deriveBoxKey(k TOTPKey) boxKey {
	derive := func(label string, n int) []byte {
		b, err := hkdf.Key(sha256.New, k[:], nil, "partnerdir "+label, n)
		if err != nil { // only for lengths HKDF cannot give
			panic(err)
		}
		return b
	}
	block, err := aes.NewCipher(derive("totp secret encryption", 32))
	if err != nil {
		panic(err) // a 32-byte key is always valid
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return boxKey{id: hex.EncodeToString(derive("key id", 4)), aead: aead, mac: derive("recovery code mac", 32)}
}

func additionalData(purpose string, userID int64) []byte {
	return fmt.Appendf(nil, "partnerdir %s of user %d", purpose, userID)
}

// seal encrypts secret for purpose and user under the newest key.
func (b *secretBox) seal(purpose string, userID int64, secret string) string {
	k := b.keys[0]
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(secret)+k.aead.Overhead())
	_, _ = rand.Read(nonce)
	out := k.aead.Seal(nonce, nonce, []byte(secret), additionalData(purpose, userID))
	return sealedPrefix + k.id + ":" + base64.RawURLEncoding.EncodeToString(out)
}

// open decrypts a value seal made for purpose and user. It returns
// errUnsealable when no key opens it.
func (b *secretBox) open(purpose string, userID int64, sealed string) (string, error) {
	rest, ok := strings.CutPrefix(sealed, sealedPrefix)
	id, data, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 {
		return "", fmt.Errorf("accounts: not a sealed secret: %w", errUnsealable)
	}
	raw, err := base64.RawURLEncoding.DecodeString(data)
	if err != nil {
		return "", fmt.Errorf("accounts: sealed secret: %w", errUnsealable)
	}
	for _, k := range b.keys {
		if k.id != id || len(raw) < k.aead.NonceSize() {
			continue
		}
		n := k.aead.NonceSize()
		plain, err := k.aead.Open(nil, raw[:n], raw[n:], additionalData(purpose, userID))
		if err == nil {
			return string(plain), nil
		}
	}
	return "", fmt.Errorf("accounts: sealed secret under key %q: %w", id, errUnsealable)
}

// sealed reports whether v is sealed (by any key), not a clear secret.
func sealed(v string) bool { return strings.HasPrefix(v, sealedPrefix) }

// newest is the prefix of the values sealed under the newest key: a value
// without it needs sealing again.
func (b *secretBox) newest() string { return sealedPrefix + b.keys[0].id + ":" }

// Recovery code schemes (recovery_codes.scheme).
const (
	// recoverySHA256 is the unsalted SHA-256 of the code, from before
	// recovery codes were MACed; such codes still work until used.
	recoverySHA256 = 0
	// recoveryHMAC is HMAC-SHA256 under a key derived from a TOTP key, of
	// the user id and the code.
	recoveryHMAC = 1
)

// recoveryMAC is the MAC of user's code under the newest key, and that
// key's id.
func (b *secretBox) recoveryMAC(userID int64, code string) (mac []byte, keyID string) {
	return b.keys[0].recoveryMAC(userID, code), b.keys[0].id
}

// recoveryMACs are the MACs of user's code under every key, newest first:
// a code made under an older key still verifies.
func (b *secretBox) recoveryMACs(userID int64, code string) [][]byte {
	out := make([][]byte, len(b.keys))
	for i, k := range b.keys {
		out[i] = k.recoveryMAC(userID, code)
	}
	return out
}

func (k boxKey) recoveryMAC(userID int64, code string) []byte {
	m := hmac.New(sha256.New, k.mac)
	fmt.Fprintf(m, "%d:%s", userID, normalizeRecoveryCode(code))
	return m.Sum(nil)
}

func normalizeRecoveryCode(code string) string { return strings.ToLower(strings.TrimSpace(code)) }

// keyIDs are the ids of the configured keys, newest first.
func (b *secretBox) keyIDs() []string {
	out := make([]string, len(b.keys))
	for i, k := range b.keys {
		out[i] = k.id
	}
	return out
}
