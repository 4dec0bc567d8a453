// Command partnerdir is the whole Partnerdir platform in one binary: the
// web server and its background workers, the schema migrations, the demo
// and synthetic data, and the operations commands.
package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

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
	os.Exit(exitCode(err, os.Stderr))
}

// env is what every command receives: its standard streams, and the
// process environment as a function so tests can supply their own.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// run runs the command line args (without the program name); tests call
// it to start the real program. A mistake in the command line is a
// *usageError; --help writes the usage to stdout and returns nil.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	return commands().execute(ctx, e, args)
}

func newLogger(w io.Writer, production bool) *slog.Logger {
	if production {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}
