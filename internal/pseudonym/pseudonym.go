// Package pseudonym replaces client IP addresses with keyed hashes before
// they are stored anywhere: rate limits and abuse checks can still compare
// addresses, but a database dump does not reveal them (a plain hash of an
// IPv4 address is reversed by trying all 2³² of them; a keyed one is not,
// without the key).
package pseudonym

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// Hasher hashes identifiers under one key. Every instance of the program
// must use the same key, or their limits would not add up.
type Hasher struct {
	key []byte
}

// New returns a hasher keyed with key (at least 16 bytes).
func New(key []byte) (Hasher, error) {
	if len(key) < 16 {
		return Hasher{}, fmt.Errorf("pseudonym: key of %d bytes, want at least 16", len(key))
	}
	return Hasher{key: append([]byte(nil), key...)}, nil
}

// Random returns a hasher under a fresh random key: pseudonyms agree only
// within this process.
func Random() Hasher {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // never fails (crypto/rand, Go 1.24+)
	return Hasher{key: key}
}

// IP returns the pseudonym of a client address: 32 hex digits, or "" for
// no address. The same address always gives the same pseudonym.
func (h Hasher) IP(ip string) string {
	if ip == "" {
		return ""
	}
	return h.sum("ip", ip)[:32]
}

// Key returns the pseudonym of value used for purpose ("email", …): 32
// hex digits, or "" for an empty value. Rate-limit keys use it so that no
// email address is stored in clear; the same value under another purpose
// gives another pseudonym.
func (h Hasher) Key(purpose, value string) string {
	if value == "" {
		return ""
	}
	return h.sum("key:"+purpose, value)[:32]
}

// IsZero reports whether h was not built with New.
func (h Hasher) IsZero() bool { return h.key == nil }

func (h Hasher) sum(purpose, v string) string {
	if h.key == nil {
		panic("pseudonym: zero Hasher used; build one with New")
	}
	m := hmac.New(sha256.New, h.key)
	fmt.Fprintf(m, "%s\x00%s", purpose, v)
	return hex.EncodeToString(m.Sum(nil))
}
