// Command benchserve is the bare baseline of scripts/bench.sh: it fetches
// each benchmarked page once from the running app, with the Accept-Encoding
// the benchmark sends, and serves exactly those bytes and headers from a
// plain net/http server. What the app costs beyond that is the app's own
// work (routing, middleware, cache lookups, rendering, PostgreSQL), since
// the bare server pays the same network, HTTP parsing and wrk overhead on
// the same machine in the same run.
//
//	benchserve -app http://127.0.0.1:18080 -addr 127.0.0.1:18081 \
//	    [-accept-encoding gzip] [-header 'X-Forwarded-For: 10.0.0.1'] PATH...
//
// It prints "ready ADDR" once every page is fetched and it listens, and serves
// until it is interrupted or -for has passed. A path it was not given is a
// 404. It listens on loopback addresses only.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "benchserve:", err)
		os.Exit(2)
	}
}

// page is one response as the app gave it.
type page struct {
	status int
	header http.Header
	body   []byte
}

// headerList collects repeated -header flags.
type headerList []string

func (h *headerList) String() string     { return strings.Join(*h, ", ") }
func (h *headerList) Set(v string) error { *h = append(*h, v); return nil }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("benchserve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	app := fs.String("app", "", "base URL of the running app (required)")
	addr := fs.String("addr", "127.0.0.1:18081", "loopback address to serve the copies on")
	encoding := fs.String("accept-encoding", "", "Accept-Encoding sent when fetching (the one the benchmark sends)")
	lifetime := fs.Duration("for", time.Hour, "stop by itself after this long")
	var headers headerList
	fs.Var(&headers, "header", "extra request header 'Name: value' when fetching (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *app == "" || fs.NArg() == 0 {
		return errors.New("usage: benchserve -app URL [-addr HOST:PORT] PATH...")
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %w", *addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-addr %q: not a loopback address", *addr)
	}

	client := &http.Client{
		Timeout: 30 * time.Second,
		// The copy of a redirect is the redirect.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		// No transparent gzip: the bytes are kept as the app sent them.
		Transport: &http.Transport{DisableCompression: true},
	}
	pages := map[string]page{}
	for _, path := range fs.Args() {
		p, err := fetch(ctx, client, strings.TrimRight(*app, "/")+path, *encoding, headers)
		if err != nil {
			return err
		}
		pages[path] = p
		fmt.Fprintf(stderr, "benchserve: %s: %d, %d bytes, Content-Encoding %q\n", path, p.status, len(p.body), p.header.Get("Content-Encoding"))
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler(pages), ReadHeaderTimeout: 10 * time.Second}
	ctx, cancel := context.WithTimeout(ctx, *lifetime)
	defer cancel()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	fmt.Fprintln(stdout, "ready", ln.Addr())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func fetch(ctx context.Context, client *http.Client, url, encoding string, headers []string) (page, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return page{}, err
	}
	if encoding != "" {
		req.Header.Set("Accept-Encoding", encoding)
	}
	for _, h := range headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			return page{}, fmt.Errorf("-header %q: want 'Name: value'", h)
		}
		req.Header.Set(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	res, err := client.Do(req)
	if err != nil {
		return page{}, fmt.Errorf("fetch %s: %w", url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return page{}, fmt.Errorf("fetch %s: %w", url, err)
	}
	if res.StatusCode >= 400 {
		return page{}, fmt.Errorf("fetch %s: status %d", url, res.StatusCode)
	}
	h := res.Header.Clone()
	// net/http writes these itself.
	h.Del("Date")
	h.Del("Content-Length")
	h.Del("Connection")
	return page{status: res.StatusCode, header: h, body: body}, nil
}

// handler answers each fetched path (with its query) with its copy.
func handler(pages map[string]page) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := pages[r.URL.RequestURI()]
		if !ok {
			http.NotFound(w, r)
			return
		}
		for k, v := range p.header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(p.body)))
		w.WriteHeader(p.status)
		_, _ = io.Copy(w, bytes.NewReader(p.body))
	})
}
