package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
)

// freeAddr is a loopback address nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestServeAnswersMetricsOnItsOwnListener: an operator's Prometheus reads
// /metrics on METRICS_ADDR; the public address has no /metrics; both stop
// with serve.
func TestServeAnswersMetricsOnItsOwnListener(t *testing.T) {
	t.Parallel()
	vars, addr := serveVars(t, pgtest.NewDB(t))
	metricsAddr := vars["METRICS_ADDR"]
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	var logs bytes.Buffer
	go func() { done <- run(ctx, []string{"serve"}, envFrom(vars), nil, io.Discard, &syncWriter{w: &logs}) }()

	get := func(url string) (int, string, error) {
		resp, err := http.Get(url)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), nil
	}
	var code int
	var body string
	var err error
	deadline := time.Now().Add(15 * time.Second)
	for {
		if code, body, err = get("http://" + metricsAddr + "/metrics"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no metrics on %s: %v", metricsAddr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code != http.StatusOK || !strings.Contains(body, "partnerdir_db_pool_max_connections") || !strings.Contains(body, "go_goroutines") {
		t.Errorf("GET /metrics on METRICS_ADDR: %d\n%.500s", code, body)
	}
	if code, _, err := get("http://" + metricsAddr + "/"); err != nil || code != http.StatusNotFound {
		t.Errorf("GET / on METRICS_ADDR: %d %v, want 404", code, err)
	}
	// The public listener is up (serve opened it after the metrics one).
	deadline = time.Now().Add(15 * time.Second)
	for {
		if code, _, err = get("http://" + addr + "/metrics"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no web server on %s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code != http.StatusNotFound {
		t.Errorf("GET /metrics on HTTP_ADDR: %d, want 404", code)
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
	if _, _, err := get("http://" + metricsAddr + "/metrics"); err == nil {
		t.Error("the metrics endpoint still answers after serve returned")
	}
}

// TestServeRefusesABadMetricsAddr: one line naming the variable.
func TestServeRefusesABadMetricsAddr(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := run(context.Background(), []string{"serve"}, envFrom(map[string]string{"METRICS_ADDR": "9464"}), nil, &out, &out)
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "METRICS_ADDR") {
		t.Fatalf("METRICS_ADDR=9464: %v, want one line naming METRICS_ADDR", err)
	}
}
