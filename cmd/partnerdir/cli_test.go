package main

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

// brokenEnvs are environments in which any command that reads its
// configuration or opens PostgreSQL fails: --help and usage errors must
// not notice them.
var brokenEnvs = map[string]map[string]string{
	"postgres on a closed port": {"DATABASE_URL": "postgres://postgres@127.0.0.1:1/partnerdir?sslmode=disable&connect_timeout=2"},
	"invalid configuration":     {"DATABASE_URL": "nonsense", "APP_ENV": "staging"},
}

// leaves lists every command that runs, as typed after partnerdir.
func leaves(c *command) []string {
	if c.subs == nil {
		return []string{c.name}
	}
	var out []string
	for _, s := range c.subs {
		out = append(out, leaves(s)...)
	}
	return out
}

func TestCommandTree(t *testing.T) {
	want := []string{"serve", "migrate up", "migrate down", "migrate status", "seed demo", "seed synthetic",
		"user create", "user list", "user disable", "user enable", "user revoke",
		"search reindex", "search verify", "offers purge", "news digest", "import csv", "import hsds",
		"export hsds",
		"retention run", "help"}
	if got := leaves(commands()); !slices.Equal(got, want) {
		t.Errorf("commands:\n got %q\nwant %q", got, want)
	}
}

// TestHelp asks every command and group for its usage, with -h and --help
// (and through help), in environments where touching the configuration or
// the database would fail: usage on stdout, nothing on stderr, exit 0.
func TestHelp(t *testing.T) {
	type helpCase struct {
		args []string
		want string // the usage line
	}
	cases := []helpCase{
		{[]string{"help"}, "usage: partnerdir <command>"},
		{[]string{"--help"}, "usage: partnerdir <command>"},
		{[]string{"-h"}, "usage: partnerdir <command>"},
		{[]string{"help", "user", "create"}, "usage: partnerdir user create --email E --name N"},
		{[]string{"help", "seed"}, "usage: partnerdir seed <command>"},
	}
	for _, group := range []string{"migrate", "seed", "user", "search", "offers", "retention"} {
		cases = append(cases, helpCase{[]string{group, "--help"}, "usage: partnerdir " + group + " <command>"})
	}
	for _, name := range leaves(commands()) {
		args := strings.Fields(name)
		for _, flag := range []string{"--help", "-h"} {
			cases = append(cases, helpCase{append(slices.Clone(args), flag), "usage: partnerdir " + name})
		}
	}
	// A flag given before --help does not stop it.
	cases = append(cases, helpCase{[]string{"seed", "synthetic", "--orgs", "5", "--help"}, "usage: partnerdir seed synthetic --orgs N"})
	for envName, vars := range brokenEnvs {
		for _, tc := range cases {
			t.Run(envName+"/"+strings.Join(tc.args, " "), func(t *testing.T) {
				var stdout, stderr bytes.Buffer
				err := run(context.Background(), tc.args, envFrom(vars), strings.NewReader(""), &stdout, &stderr)
				if code := exitCode(err, &stderr); code != 0 {
					t.Fatalf("exit %d, want 0\nstderr: %s", code, stderr.String())
				}
				if !strings.HasPrefix(stdout.String(), tc.want) {
					t.Errorf("stdout does not start with %q:\n%s", tc.want, stdout.String())
				}
				if stderr.Len() > 0 {
					t.Errorf("stderr: %s", stderr.String())
				}
			})
		}
	}
}

func TestHelpDescribesFlagsAndCommands(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--help"}, []string{"serve ", "migrate up ", "seed synthetic --orgs N [--seed S]", "user disable --email E",
			"search verify [--repair]", "offers purge", "OFFER_RETENTION", "retention run", "PERSONAL_DATA_RETENTION", "README.md"}},
		{[]string{"user", "create", "--help"}, []string{"-email string", "-org-role string", `(default "editor")`, "without echo"}},
		{[]string{"search", "verify", "--help"}, []string{"-repair", "re-sync"}},
		{[]string{"user", "--help"}, []string{"user create --email E", "user list ", "user revoke --email E"}},
	} {
		var stdout bytes.Buffer
		if err := run(context.Background(), tc.args, envFrom(nil), nil, &stdout, &stdout); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(stdout.String(), w) {
				t.Errorf("%v lacks %q:\n%s", tc.args, w, stdout.String())
			}
		}
	}
}

// TestUsageErrors gives every command a mistaken command line: run
// returns a *usageError carrying the command's usage, and main reports one
// line naming the problem, then that usage, on stderr, and exits 2.
func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args    []string
		command string // whose usage follows
		problem string
	}{
		{nil, "partnerdir", "missing command"},
		{[]string{"frobnicate"}, "partnerdir", `unknown command "frobnicate"`},
		{[]string{"--verbose"}, "partnerdir", "flag provided but not defined: --verbose"},
		{[]string{"help", "frobnicate"}, "partnerdir help", `unknown command "frobnicate"`},
		{[]string{"serve", "now"}, "partnerdir serve", `unexpected argument "now"`},
		{[]string{"serve", "--port", "80"}, "partnerdir serve", "flag provided but not defined: -port"},
		{[]string{"migrate"}, "partnerdir migrate", "missing command"},
		{[]string{"migrate", "sideways"}, "partnerdir migrate", `unknown command "sideways"`},
		{[]string{"migrate", "up", "42"}, "partnerdir migrate up", `unexpected argument "42"`},
		{[]string{"migrate", "down", "--all"}, "partnerdir migrate down", "flag provided but not defined: -all"},
		{[]string{"migrate", "status", "x"}, "partnerdir migrate status", `unexpected argument "x"`},
		{[]string{"seed"}, "partnerdir seed", "missing command"},
		{[]string{"seed", "garden"}, "partnerdir seed", `unknown command "garden"`},
		{[]string{"seed", "demo", "--again"}, "partnerdir seed demo", "flag provided but not defined: -again"},
		{[]string{"seed", "synthetic"}, "partnerdir seed synthetic", "--orgs N"},
		{[]string{"seed", "synthetic", "--orgs", "0"}, "partnerdir seed synthetic", "--orgs N"},
		{[]string{"seed", "synthetic", "--orgs", "x"}, "partnerdir seed synthetic", `invalid value "x" for flag -orgs`},
		{[]string{"seed", "synthetic", "--orgs"}, "partnerdir seed synthetic", "flag needs an argument: -orgs"},
		{[]string{"seed", "synthetic", "--orgs", "3", "extra"}, "partnerdir seed synthetic", `unexpected argument "extra"`},
		{[]string{"user"}, "partnerdir user", "missing command"},
		{[]string{"user", "delete"}, "partnerdir user", `unknown command "delete"`},
		{[]string{"user", "create"}, "partnerdir user create", "--email is required"},
		{[]string{"user", "create", "--email", "a@example.org"}, "partnerdir user create", "--name is required"},
		{[]string{"user", "create", "--email", "a@example.org", "--name", "A", "admin"}, "partnerdir user create", `unexpected argument "admin"`},
		{[]string{"user", "list", "--all"}, "partnerdir user list", "flag provided but not defined: -all"},
		{[]string{"user", "disable"}, "partnerdir user disable", "--email is required"},
		{[]string{"user", "enable", "--email"}, "partnerdir user enable", "flag needs an argument: -email"},
		{[]string{"user", "revoke", "--email", "a@example.org", "b@example.org"}, "partnerdir user revoke", `unexpected argument "b@example.org"`},
		{[]string{"search"}, "partnerdir search", "missing command"},
		{[]string{"search", "frobnicate"}, "partnerdir search", `unknown command "frobnicate"`},
		{[]string{"search", "reindex", "--fast"}, "partnerdir search reindex", "flag provided but not defined: -fast"},
		{[]string{"search", "verify", "--repair=maybe"}, "partnerdir search verify", `invalid boolean value "maybe" for -repair`},
		{[]string{"search", "verify", "repair"}, "partnerdir search verify", `unexpected argument "repair"`},
		{[]string{"offers"}, "partnerdir offers", "missing command"},
		{[]string{"offers", "delete"}, "partnerdir offers", `unknown command "delete"`},
		{[]string{"offers", "purge", "now"}, "partnerdir offers purge", `unexpected argument "now"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tt.args, envFrom(brokenEnvs["postgres on a closed port"]), strings.NewReader("a long enough password\n"), &stdout, &stderr)
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Fatalf("got %v, want a usage error", err)
			}
			wantUsage := "usage: " + tt.command
			if ue.command != tt.command || !strings.Contains(ue.problem, tt.problem) || !strings.HasPrefix(ue.usage, wantUsage) {
				t.Errorf("got %s (usage %.40q…), want %s: …%s… and the usage of %s", ue, ue.usage, tt.command, tt.problem, tt.command)
			}
			if code := exitCode(err, &stderr); code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			first, rest, _ := strings.Cut(stderr.String(), "\n")
			if first != tt.command+": "+ue.problem || strings.Contains(ue.problem, "\n") || !strings.HasPrefix(rest, wantUsage) {
				t.Errorf("stderr is not one line naming the problem and the usage of %s:\n%s", tt.command, stderr.String())
			}
			if stdout.Len() > 0 {
				t.Errorf("stdout: %s", stdout.String())
			}
		})
	}
}

// TestFailureIsOneLine: a command that fails for another reason than its
// command line exits 1 with one line.
func TestFailureIsOneLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		vars map[string]string
		want []string
	}{
		{"postgres down", brokenEnvs["postgres on a closed port"], nil},
		{"two bad variables", brokenEnvs["invalid configuration"], []string{"DATABASE_URL", "APP_ENV"}},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), []string{"migrate", "status"}, envFrom(tc.vars), nil, &stdout, &stderr)
		if code := exitCode(err, &stderr); code != 1 {
			t.Errorf("%s: exit %d, want 1", tc.name, code)
		}
		msg := stderr.String()
		if !strings.HasPrefix(msg, "partnerdir: ") || strings.Count(msg, "\n") != 1 {
			t.Errorf("%s: want one line \"partnerdir: …\", got %q", tc.name, msg)
		}
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: %q does not name %s", tc.name, msg, w)
			}
		}
	}
}
