package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/mail/smtptest"
	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
)

// TestOffersHelperServe is not a test: TestOffersSurviveSIGKILL runs the
// test binary again with this function selected to get a real server
// process it can kill.
func TestOffersHelperServe(t *testing.T) {
	if os.Getenv("PARTNERDIR_HELPER_SERVE") != "1" {
		t.Skip("helper process for TestOffersSurviveSIGKILL")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, []string{"serve"}, os.Getenv, nil, os.Stderr, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper serve:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

var (
	csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	formInput = regexp.MustCompile(`name="form_token" value="([^"]+)"`)
	sentRef   = regexp.MustCompile(`ref=(OFR-\d{4}-\d+)$`)
)

// TestOffersSurviveSIGKILL submits offers while the server is killed with
// SIGKILL: every offer the donor saw confirmed exists after a restart, and
// its two mails go out.
func TestOffersSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	srv := smtptest.New(t)
	dbURL := pgtest.NewDB(t)
	vars, addr := serveVars(t, dbURL)
	vars["SMTP_URL"] = srv.URL()
	vars["MAIL_FROM"] = "Partnerdir <no-reply@partnerdir.test>"
	vars["TRUSTED_PROXIES"] = "127.0.0.1"
	vars["APP_ENV"] = "development"
	// A fixed key: forms shown by the first process stay valid after a
	// restart, as they would across instances.
	vars["SESSION_KEYS"] = strings.Repeat("ab", 32) + ":" + strings.Repeat("cd", 32)
	if err := run(context.Background(), []string{"seed", "demo"}, envFrom(vars), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestOffersHelperServe$")
		cmd.Env = append(os.Environ(), "PARTNERDIR_HELPER_SERVE=1")
		for k, v := range vars {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(60 * time.Second)
		for {
			if res, err := http.Get("http://" + addr + "/healthz"); err == nil {
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					return cmd
				}
			}
			if time.Now().After(deadline) {
				_ = cmd.Process.Kill()
				t.Fatal("server did not become healthy")
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	first := start()

	// Each donor opens the form (once per offer: a form is accepted once),
	// takes the minimum fill time, then sends offers until the server dies.
	const donors, formsEach = 6, 40
	type donor struct {
		client *http.Client
		csrf   string
		forms  []string
	}
	ds := make([]donor, donors)
	for i := range ds {
		jar, _ := cookiejar.New(nil)
		ds[i].client = &http.Client{Jar: jar, Timeout: 10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		for range formsEach {
			res, err := ds[i].client.Get("http://" + addr + "/organisations/ecpat-luxembourg/offer")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			c, f := csrfInput.FindSubmatch(body), formInput.FindSubmatch(body)
			if c == nil || f == nil {
				t.Fatalf("form without tokens: %d", res.StatusCode)
			}
			ds[i].csrf = string(c[1])
			ds[i].forms = append(ds[i].forms, string(f[1]))
		}
	}
	time.Sleep(3100 * time.Millisecond) // the anti-spam minimum fill time

	var mu sync.Mutex
	var confirmed []string
	var wg sync.WaitGroup
	for i := range ds {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for n, token := range ds[i].forms {
				form := url.Values{"csrf_token": {ds[i].csrf}, "form_token": {token}, "kind": {"volunteering"},
					"message": {"Offer sent while the server may die."}, "name": {fmt.Sprintf("Donor %d-%d", i, n)},
					"email": {fmt.Sprintf("d%d-%d@example.com", i, n)}, "lang": {"fr"}, "consent": {"yes"}}
				req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/organisations/ecpat-luxembourg/offer", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", i, n/250, n%250))
				res, err := ds[i].client.Do(req)
				if err != nil {
					return // the server is gone
				}
				res.Body.Close()
				if m := sentRef.FindStringSubmatch(res.Header.Get("Location")); res.StatusCode == http.StatusSeeOther && m != nil {
					mu.Lock()
					confirmed = append(confirmed, m[1])
					mu.Unlock()
				}
			}
		}(i)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		n := len(confirmed)
		mu.Unlock()
		if n >= 40 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d offers confirmed", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	wg.Wait()
	t.Logf("%d offers confirmed before SIGKILL", len(confirmed))

	second := start()
	t.Cleanup(func() {
		_ = second.Process.Signal(syscall.SIGTERM)
		_ = second.Wait()
	})
	pool, err := pgxpool.New(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	ctx := context.Background()
	var stored int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM offers WHERE reference = ANY($1)`, confirmed).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != len(confirmed) {
		t.Fatalf("%d of %d confirmed offers exist after the crash", stored, len(confirmed))
	}
	// Jobs the killed process was running stay "running" until River's
	// rescuer gives them back (after RescueStuckJobsAfter, about an hour);
	// fast-forward that step.
	if _, err := pool.Exec(ctx, `UPDATE river_job SET state = 'available', scheduled_at = now() WHERE state = 'running' AND kind = 'send_mail'`); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(90 * time.Second)
	for {
		// Offers committed but whose answer was lost in the crash count too.
		var sent, all, ofConfirmed int
		if err := pool.QueryRow(ctx, `
			SELECT count(*) FILTER (WHERE m.status = 'sent'), count(*),
				count(*) FILTER (WHERE m.status = 'sent' AND f.reference = ANY($1))
			FROM mail_messages m JOIN offers f ON f.id = m.offer_id`, confirmed).Scan(&sent, &all, &ofConfirmed); err != nil {
			t.Fatal(err)
		}
		if sent == all && ofConfirmed == 2*len(confirmed) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d mails sent after restart (%d of %d for confirmed offers)", sent, all, ofConfirmed, 2*len(confirmed))
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Every stored mail reached the server; count any duplicate the crash
	// window may have caused (accepted by the server, not yet marked sent).
	rows, err := pool.Query(ctx, `SELECT message_id FROM mail_messages`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		want["<"+id+">"] = true
	}
	got := map[string]int{}
	for _, m := range srv.Messages() {
		got[m.Header().Get("Message-Id")]++
	}
	dups := 0
	for id := range want {
		switch n := got[id]; {
		case n == 0:
			t.Errorf("mail %s never reached the server", id)
		case n > 1:
			dups += n - 1
		}
	}
	t.Logf("%d stored mails delivered; %d duplicate deliveries from the crash window", len(want), dups)
}
