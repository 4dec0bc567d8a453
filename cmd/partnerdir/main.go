// Command partnerdir is the whole Partnerdir platform in one binary: the
// web server and its background workers, the schema migrations, the demo
// and synthetic data, and the operations commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

const usage = `usage: partnerdir <command> [arguments]

commands:
  serve                         run the web server and background workers
  migrate up|down|status        apply, roll back or list schema migrations
  seed demo                     load the demo organisations (idempotent)
  seed synthetic --orgs N [--seed S]
                                load N generated organisations (slugs syn-S-1…N) with COPY,
                                for benchmarks; a rerun only adds missing ones; then run
                                search reindex to index them
  user create --email E --name N [--role admin|staff] [--org SLUG --org-role owner|editor]
                                create a user; the password is read from standard input
  user list                     list users, their roles and organisations
  user disable|enable|revoke --email E
                                disable (and sign out) a user, re-enable them, or end all their sessions
  search reindex                rebuild the search index into a fresh one and swap it in
  search verify [--repair]      compare the index with the database; --repair fixes the drift
  offers purge                  anonymise the offers past their retention (OFFER_RETENTION,
                                default 12 months after closing; OFFER_SPAM_RETENTION, 30 days)

configuration comes from environment variables; see README.md.
`

// serverGCPercent is the garbage collector's target for serve when GOGC is
// not set: a server's live heap is small and its garbage is rendered pages,
// so collecting less often buys CPU (15–20 % more uncached list pages a
// second, 7 % more searches, on two CPUs) for some tens of megabytes.
const serverGCPercent = 400

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" && os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serverGCPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if errors.Is(err, errUsage) {
			fmt.Fprint(os.Stderr, usage)
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "partnerdir:", err)
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

// env is what every command receives: its arguments and standard streams,
// and the process environment as a function so tests can supply their own.
type env struct {
	args   []string
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// run dispatches the subcommand; tests call it to start the real program.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errUsage
	}
	e := env{args: args[1:], getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	switch args[0] {
	case "serve":
		return serve(ctx, e)
	case "migrate":
		return migrate(ctx, e)
	case "seed":
		return seed(ctx, e)
	case "user":
		return user(ctx, e)
	case "search":
		return searchCommand(ctx, e)
	case "offers":
		return offersCommand(ctx, e)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q (try partnerdir help)", args[0])
}

func newLogger(w io.Writer, production bool) *slog.Logger {
	if production {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}
