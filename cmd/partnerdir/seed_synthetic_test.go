package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
)

func TestSeedSyntheticCommand(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"DATABASE_URL": pgtest.NewDB(t), "MEILI_URL": "http://127.0.0.1:1"}
	ctx := context.Background()
	var stderr bytes.Buffer
	seed := func(args ...string) (string, error) {
		var out bytes.Buffer
		stderr.Reset()
		err := run(ctx, append([]string{"seed", "synthetic"}, args...), envFrom(vars), nil, &out, &stderr)
		return out.String(), err
	}

	out, err := seed("--orgs", "40", "--seed", "5")
	if err != nil {
		t.Fatalf("seed synthetic: %v\n%s%s", err, out, stderr.String())
	}
	// Not a terminal: what was done on stdout; plain progress lines and
	// what to run next on stderr.
	for _, want := range []string{"40 organisations created", "syn-5-1 to syn-5-40", "120 articles created"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	for _, want := range []string{"synthetic organisations: 40/40", "search reindex"} {
		if !strings.Contains(stderr.String(), want) || strings.Contains(out, want) {
			t.Errorf("%q is not on stderr only:\nstdout: %s\nstderr: %s", want, out, stderr.String())
		}
	}
	if out, err := seed("--orgs", "40", "--seed", "5"); err != nil || !strings.Contains(out, "nothing to do") {
		t.Errorf("second run: %v\n%s", err, out)
	}
	for _, args := range [][]string{{}, {"--orgs", "0"}, {"--orgs", "x"}, {"--orgs", "3", "extra"}} {
		if _, err := seed(args...); err == nil {
			t.Errorf("seed synthetic %v: no error", args)
		}
	}
}
