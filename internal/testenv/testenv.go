// Package testenv decides what a test does when a service it needs is not
// configured: on a developer's machine it is skipped; under CI=true, where
// every service must be there, it fails, so a missing service is never a
// silent pass.
package testenv

import (
	"os"
	"testing"
)

// Require returns the environment variable name, which locates what (a
// service, a program), and skips or fails t as Missing does when it is
// empty. hint says how to get it, e.g. "run make test".
func Require(t testing.TB, name, what, hint string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		Missing(t, name+" is not set", what, hint)
	}
	return v
}

// Missing fails t under CI=true and skips it otherwise, because what is
// missing; why says what was looked for and hint how to get it.
func Missing(t testing.TB, why, what, hint string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s: %s is required under CI (%s)", why, what, hint)
	}
	t.Skipf("%s; %s", why, hint)
}
