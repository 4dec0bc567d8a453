package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
)

func TestUserCreateAndList(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"DATABASE_URL": pgtest.NewDB(t)}
	getenv := func(k string) string { return vars[k] }
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"seed", "demo"}, getenv, nil, &out, &out); err != nil {
		t.Fatalf("seed: %v\n%s", err, out.String())
	}
	create := func(stdin string, args ...string) error {
		out.Reset()
		return run(ctx, append([]string{"user", "create"}, args...), getenv, strings.NewReader(stdin), &out, &out)
	}
	if err := create("a long enough password\n", "--email", "owner@example.org", "--name", "Owner",
		"--org", "ecpat-luxembourg", "--org-role", "owner"); err != nil {
		t.Fatalf("user create: %v\n%s", err, out.String())
	}
	if err := create("another long password\n", "--email", "staff@example.org", "--name", "Staff", "--role", "staff"); err != nil {
		t.Fatalf("user create staff: %v", err)
	}
	for _, tc := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"a long enough password\n", []string{"--email", "OWNER@example.org", "--name", "Twin"}, "already exists"},
		// Worded for the operator, not a message id.
		{"short\n", []string{"--email", "x@example.org", "--name", "X"}, "--password: At least 12 characters."},
		{"", []string{"--email", "x@example.org", "--name", "X"}, "standard input"},
		{"a long enough password\n", []string{"--email", "x@example.org", "--name", "X", "--org", "nope"}, "no organisation"},
		{"a long enough password\n", []string{"--email", "x@example.org", "--name", "X", "--role", "king"}, "role"},
	} {
		if err := create(tc.stdin, tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("user create %v: %v, want an error about %q", tc.args, err, tc.want)
		}
	}
	out.Reset()
	if err := run(ctx, []string{"user", "list"}, getenv, nil, &out, &out); err != nil {
		t.Fatal(err)
	}
	list := out.String()
	for _, want := range []string{"owner@example.org", "ecpat-luxembourg (owner)", "staff@example.org", "staff", "never"} {
		if !strings.Contains(list, want) {
			t.Errorf("user list lacks %q:\n%s", want, list)
		}
	}
	if strings.Contains(list, "x@example.org") {
		t.Errorf("a refused user was created:\n%s", list)
	}
	for _, op := range []string{"revoke", "disable"} {
		out.Reset()
		if err := run(ctx, []string{"user", op, "--email", "owner@example.org"}, getenv, nil, &out, &out); err != nil {
			t.Fatalf("user %s: %v", op, err)
		}
	}
	out.Reset()
	_ = run(ctx, []string{"user", "list"}, getenv, nil, &out, &out)
	if !strings.Contains(out.String(), "disabled") {
		t.Errorf("user list after disable:\n%s", out.String())
	}
	if err := run(ctx, []string{"user", "revoke", "--email", "ghost@example.org"}, getenv, nil, &out, &out); err == nil {
		t.Error("revoke of an unknown user succeeded")
	}
}
