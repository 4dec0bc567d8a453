package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The bare server answers each path with the very bytes and headers the
// app gave for it, asked with the benchmark's Accept-Encoding, and 404
// for any other path.
func TestServesTheAppsBytes(t *testing.T) {
	var asked []string
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.URL.RequestURI()+" "+r.Header.Get("Accept-Encoding")+" "+r.Header.Get("X-Forwarded-For"))
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Vary", "Accept-Encoding")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = io.WriteString(w, "\x1f\x8b page of "+r.URL.RequestURI())
	}))
	defer app.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, stdout := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-app", app.URL, "-addr", "127.0.0.1:0", "-accept-encoding", "gzip, br",
			"-header", "X-Forwarded-For: 10.254.0.1", "/organisations", "/organisations?after=abc"}, stdout, &stderr)
		stdout.Close()
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "ready ") {
		t.Fatalf("first line %q, %v; stderr %s", line, err, stderr.String())
	}
	bare := "http://" + strings.TrimSpace(strings.TrimPrefix(line, "ready "))
	go func() { _, _ = io.Copy(io.Discard, out) }()

	if want := []string{"/organisations gzip, br 10.254.0.1", "/organisations?after=abc gzip, br 10.254.0.1"}; strings.Join(asked, "|") != strings.Join(want, "|") {
		t.Errorf("the app was asked %q, want %q", asked, want)
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 5 * time.Second}
	for _, path := range []string{"/organisations", "/organisations?after=abc"} {
		res, err := client.Get(bare + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || string(body) != "\x1f\x8b page of "+path || res.Header.Get("Content-Encoding") != "gzip" ||
			res.Header.Get("Vary") != "Accept-Encoding" || res.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("%s: %d %q %v", path, res.StatusCode, body, res.Header)
		}
	}
	if res, err := client.Get(bare + "/news"); err != nil || res.StatusCode != http.StatusNotFound {
		t.Errorf("a path it was not given: %v %v, want 404", res, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
}

func TestRefusesANonLoopbackAddress(t *testing.T) {
	err := run(context.Background(), []string{"-app", "http://127.0.0.1:1", "-addr", "0.0.0.0:18081", "/"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "not a loopback address") {
		t.Errorf("err = %v", err)
	}
}
