package accounts

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/partnerdir/partnerdir/internal/fault"
)

// hashParams are argon2id's cost parameters; they travel inside every hash
// so they can be raised without invalidating older hashes.
type hashParams struct {
	memory  uint32 // KiB
	time    uint32
	threads uint8
}

// defaultParams follow OWASP's argon2id recommendation (19 MiB, 2 passes).
var defaultParams = hashParams{memory: 19 * 1024, time: 2, threads: 1}

// MinPasswordLength is the shortest password accepted (its message id,
// manage.err.at_least_12_characters, says the number).
const MinPasswordLength = 12

// maxPasswordLength bounds the work an attacker can force per attempt.
const maxPasswordLength = 256

func checkPassword(pw string) error {
	var v fault.Fields
	switch n := utf8.RuneCountInString(pw); {
	case n < MinPasswordLength:
		v.Add("password", "manage.err.at_least_12_characters")
	case len(pw) > maxPasswordLength:
		v.Add("password", "manage.err.too_long")
	}
	return v.Err()
}

func hashPassword(pw string, p hashParams) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, p.time, p.memory, p.threads, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.memory, p.time, p.threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("accounts: malformed password hash")

// verifyPassword reports whether pw matches the PHC-format hash.
func verifyPassword(pw, hash string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	var p hashParams
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(pw), salt, p.time, p.memory, p.threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
