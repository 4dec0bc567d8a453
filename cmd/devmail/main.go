// Command devmail is the development mail catcher that `make run` starts:
// it accepts every message on a loopback SMTP address and shows them in a
// browser (see internal/devmail).
//
//	devmail [--smtp 127.0.0.1:1025] [--http 127.0.0.1:8025] [--keep 500]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/partnerdir/partnerdir/internal/devmail"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "devmail:", err)
		os.Exit(2)
	}
}

// run parses the flags, listens on both addresses and serves until ctx
// ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("devmail", flag.ContinueOnError)
	fs.SetOutput(stderr)
	smtpAddr := fs.String("smtp", "127.0.0.1:1025", "SMTP address to accept mail on (loopback only)")
	httpAddr := fs.String("http", "127.0.0.1:8025", "HTTP address of the mailbox page (loopback only)")
	keep := fs.Int("keep", 500, "how many of the latest mails to keep in memory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for _, a := range []string{*smtpAddr, *httpAddr} {
		if err := devmail.Loopback(a); err != nil {
			return err
		}
	}
	box := devmail.NewBox(*keep)
	smtpLn, err := net.Listen("tcp", *smtpAddr)
	if err != nil {
		return fmt.Errorf("listen SMTP: %w", err)
	}
	httpLn, err := net.Listen("tcp", *httpAddr)
	if err != nil {
		smtpLn.Close()
		return fmt.Errorf("listen HTTP: %w", err)
	}
	smtpSrv := box.SMTPServer(smtpLn.Addr().String())
	httpSrv := &http.Server{Handler: box.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errs := make(chan error, 2)
	go func() { errs <- smtpSrv.Serve(smtpLn) }()
	go func() { errs <- httpSrv.Serve(httpLn) }()
	fmt.Fprintf(stdout, "devmail: SMTP on %s, mails at http://%s/\n", smtpLn.Addr(), httpLn.Addr())
	select {
	case <-ctx.Done():
	case err = <-errs:
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = httpSrv.Shutdown(shut)
	_ = smtpSrv.Close()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
