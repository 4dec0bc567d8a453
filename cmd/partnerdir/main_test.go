package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
)

func envFrom(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// serveVars returns the environment for serving database dbURL on a free
// local address, and that address. No Meilisearch answers there: search is
// optional.
func serveVars(t *testing.T, dbURL string) (vars map[string]string, addr string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = ln.Addr().String()
	ln.Close()
	return map[string]string{
		"DATABASE_URL": dbURL,
		"HTTP_ADDR":    addr,
		"BASE_URL":     "http://" + addr,
		"MEILI_URL":    "http://127.0.0.1:1",
		// Never the default port: tests and a running make run share it.
		"METRICS_ADDR": freeAddr(t),
	}, addr
}

func TestInvalidConfigurationStopsWithOneLine(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"serve"}, envFrom(map[string]string{"DATABASE_URL": "nonsense"}), nil, &out, &out)
	if err == nil {
		t.Fatal("serve started with DATABASE_URL=nonsense")
	}
	if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, "DATABASE_URL") {
		t.Errorf("want one line naming DATABASE_URL, got %q", msg)
	}
}

func TestUnknownCommand(t *testing.T) {
	var ue *usageError
	if err := run(context.Background(), []string{"frobnicate"}, envFrom(nil), nil, io.Discard, io.Discard); !errors.As(err, &ue) {
		t.Errorf("unknown command: %v, want a usage error", err)
	}
	if err := run(context.Background(), nil, envFrom(nil), nil, io.Discard, io.Discard); !errors.As(err, &ue) {
		t.Errorf("no command: %v, want a usage error", err)
	}
}

// TestWholeProgram migrates a fresh database, seeds the demo data, serves
// it and shuts down on cancellation, as make run does.
func TestWholeProgram(t *testing.T) {
	vars, addr := serveVars(t, pgtest.NewEmptyDB(t))
	var out bytes.Buffer
	ctx := context.Background()
	if err := run(ctx, []string{"serve"}, envFrom(vars), nil, &out, &out); err == nil || !strings.Contains(err.Error(), "migrate up") {
		t.Fatalf("serve on an empty database: %v, want a hint to run migrate up", err)
	}
	for _, args := range [][]string{{"migrate", "up"}, {"seed", "demo"}, {"migrate", "status"}} {
		out.Reset()
		if err := run(ctx, args, envFrom(vars), nil, &out, &out); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out.String())
		}
		if args[0] == "seed" && !strings.Contains(out.String(), "demo news: 5 articles created") {
			t.Errorf("seed demo:\n%s", out.String())
		}
	}
	if !strings.Contains(out.String(), "00001_directory.sql") || strings.Contains(out.String(), "pending") {
		t.Errorf("migrate status:\n%s", out.String())
	}

	serveCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	var logs bytes.Buffer
	go func() {
		done <- run(serveCtx, []string{"serve"}, envFrom(vars), nil, io.Discard, &syncWriter{w: &logs})
	}()
	var body string
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/organisations/ecpat-luxembourg")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, w := range []string{"Bamako", "Fabienne", "Boubacar", "Halimatou"} {
		if !strings.Contains(body, w) {
			t.Errorf("served profile lacks %q", w)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after shutdown: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not shut down")
	}
}

// syncWriter lets the server's goroutines share one log buffer.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
