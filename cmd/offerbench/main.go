// Command offerbench measures how many support offers a running `serve`
// accepts per second, and checks that none is lost (scripts/bench-offers.sh).
//
// Each offer is a donor of its own: its own cookies, its own email, and a
// client address of 127.0.0.0/8 shared by at most 4 offers (the form's
// per-address limit is 5 an hour), bound as the connection's local address
// so the app sees distinct clients without trusting any header. It gets the
// real form (session, CSRF and form tokens), waits the form's minimum fill
// time, and posts it. The timed phase is the posting: confirmed offers per
// second are the POSTs answered with the receipt's redirect.
//
// The app's mail goes to an SMTP catcher this program runs (internal/devmail's,
// on -smtp: start serve with SMTP_URL=smtp://that address). After the load
// it waits for the mails and reads the offers table (DATABASE_URL), then
// reports: confirmed, refused, offers lost (a receipt but no row, or no
// acknowledgement mail to its donor), mails delivered, duplicate mails
// (a Message-ID or a donor's acknowledgement received twice).
//
//	offerbench -app http://127.0.0.1:18080 -smtp 127.0.0.1:18025 [-offers 2000] [-clients 64]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/devmail"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "offerbench:", err)
		os.Exit(1)
	}
}

// offersPerAddress stays under the offer form's limit per client address.
const offersPerAddress = 4

// donor is one offer's client: its address, cookies and form.
type donor struct {
	client    *http.Client
	slug      string
	email     string
	csrf      string
	formToken string
	shownAt   time.Time
	// reference is the receipt's, "" when the offer was not confirmed.
	reference string
	status    int
	latency   time.Duration
}

var (
	csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]*)"`)
	formField = regexp.MustCompile(`name="form_token" value="([^"]*)"`)
)

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("offerbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	app := fs.String("app", "", "base URL of the running app (required, loopback)")
	smtpAddr := fs.String("smtp", "127.0.0.1:18025", "loopback address of the SMTP catcher the app sends to")
	n := fs.Int("offers", 2000, "offers to submit")
	clients := fs.Int("clients", 64, "concurrent clients")
	orgs := fs.Int("orgs", 200, "published organisations the offers go to")
	fill := fs.Duration("fill", 3200*time.Millisecond, "time between showing a form and posting it (the form's minimum fill time is 3 s)")
	mailWait := fs.Duration("mail-wait", 2*time.Minute, "longest wait for the mails after the load")
	if err := fs.Parse(args); err != nil {
		return err
	}
	base, err := url.Parse(*app)
	if err != nil || base.Host == "" || !loopback(base.Hostname()) {
		return fmt.Errorf("-app %q: want the URL of a loopback address", *app)
	}
	if !loopback(strings.Split(*smtpAddr, ":")[0]) {
		return fmt.Errorf("-smtp %q: not a loopback address", *smtpAddr)
	}
	if *n < 1 || *clients < 1 {
		return errors.New("-offers and -clients must be at least 1")
	}
	dsn := getenv("DATABASE_URL")
	if dsn == "" {
		return errors.New("DATABASE_URL is not set")
	}
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return fmt.Errorf("DATABASE_URL: %w", err)
	}
	defer pool.Close()

	// The catcher keeps every message of the run.
	box := devmail.NewBox(4**n + 1000)
	srv := box.SMTPServer(*smtpAddr)
	ln, err := net.Listen("tcp", *smtpAddr)
	if err != nil {
		return fmt.Errorf("-smtp: %w", err)
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	rows, _ := pool.Query(ctx, `SELECT slug FROM organisations WHERE status = 'published' ORDER BY md5(slug) LIMIT $1`, *orgs)
	slugs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(slugs) == 0 {
		return fmt.Errorf("published organisations: %d, %v", len(slugs), err)
	}

	// A run of its own: its emails and addresses were never limited.
	runID := rand.Uint32()
	second := 1 + int(runID%250)
	transports := map[string]*http.Transport{}
	donors := make([]*donor, *n)
	for i := range donors {
		a := i / offersPerAddress
		ip := fmt.Sprintf("127.%d.%d.%d", second, 1+a/250, 1+a%250)
		t, ok := transports[ip]
		if !ok {
			dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
			t = &http.Transport{DialContext: dialer.DialContext, MaxIdleConnsPerHost: offersPerAddress}
			transports[ip] = t
		}
		jar, _ := cookiejar.New(nil)
		donors[i] = &donor{
			client: &http.Client{Transport: t, Jar: jar, Timeout: 30 * time.Second,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
			slug:  slugs[i%len(slugs)],
			email: fmt.Sprintf("offerbench-%08x-%d@example.org", runID, i),
		}
	}
	fmt.Fprintf(stdout, "offerbench: run %08x, %d offers to %d organisations from %d client addresses (127.%d.x.y), %d clients\n",
		runID, *n, len(slugs), len(transports), second, *clients)

	// Phase 1: every donor gets its form.
	start := time.Now()
	if err := each(ctx, donors, *clients, func(d *donor) error { return d.getForm(ctx, base) }); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "forms:     %d shown in %.1f s (%.0f/s)\n", *n, time.Since(start).Seconds(), float64(*n)/time.Since(start).Seconds())
	if wait := time.Until(donors[len(donors)-1].shownAt.Add(*fill)); wait > 0 {
		time.Sleep(wait)
	}

	// Phase 2, timed: every donor posts its form.
	start = time.Now()
	if err := each(ctx, donors, *clients, func(d *donor) error { return d.post(ctx, base) }); err != nil {
		return err
	}
	elapsed := time.Since(start)
	confirmed := map[string]*donor{} // by email
	statuses := map[int]int{}
	var lat []time.Duration
	for _, d := range donors {
		statuses[d.status]++
		lat = append(lat, d.latency)
		if d.reference != "" {
			confirmed[d.email] = d
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	fmt.Fprintf(stdout, "offers:    %d confirmed of %d in %.2f s: %.0f confirmed offers/s (%d clients); POST p50 %s, p95 %s, p99 %s; statuses %v\n",
		len(confirmed), *n, elapsed.Seconds(), float64(len(confirmed))/elapsed.Seconds(), *clients,
		pct(lat, 50), pct(lat, 95), pct(lat, 99), statuses)

	// The mails: each confirmed offer acknowledged to its donor (and sent to
	// the organisation or triage).
	start = time.Now()
	acks := func() map[string]int {
		m := map[string]int{}
		for _, msg := range box.List() {
			for _, to := range msg.To {
				if _, ok := confirmed[strings.ToLower(strings.Trim(to, "<>"))]; ok {
					m[strings.ToLower(strings.Trim(to, "<>"))]++
				}
			}
		}
		return m
	}
	deadline := time.Now().Add(*mailWait)
	for len(acks()) < len(confirmed) && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(200 * time.Millisecond)
	}
	mailTime := time.Since(start)
	// A moment more, for duplicates a retry would send.
	time.Sleep(2 * time.Second)
	msgs := box.List()
	acked := acks()
	byID := map[string]int{}
	for _, m := range msgs {
		if id := m.Header.Get("Message-Id"); id != "" {
			byID[id]++
		}
	}
	duplicates := 0
	for _, c := range byID {
		duplicates += c - 1
	}
	for _, c := range acked {
		duplicates += c - 1
	}

	// The rows.
	rows, _ = pool.Query(ctx, `SELECT donor_email, reference FROM offers WHERE donor_email LIKE $1`,
		fmt.Sprintf("offerbench-%08x-%%", runID))
	stored := map[string]string{}
	type row struct{ Email, Reference string }
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
	if err != nil {
		return fmt.Errorf("read offers: %w", err)
	}
	for _, r := range rs {
		stored[r.Email] = r.Reference
	}
	lostRow, lostMail := 0, 0
	for email, d := range confirmed {
		if stored[email] != d.reference {
			lostRow++
		}
		if acked[email] == 0 {
			lostMail++
		}
	}
	unconfirmedStored := len(stored) - (len(confirmed) - lostRow)
	fmt.Fprintf(stdout, "mails:     %d delivered (%d acknowledgements to %d donors, in %.1f s after the load), %d duplicates\n",
		len(msgs), sumValues(acked), len(acked), mailTime.Seconds(), duplicates)
	fmt.Fprintf(stdout, "lost:      %d (%d confirmed without a row, %d confirmed without a mail); %d rows without a confirmation\n",
		lostRow+lostMail, lostRow, lostMail, unconfirmedStored)
	if lostRow+lostMail > 0 || duplicates > 0 {
		return fmt.Errorf("%d offers lost, %d duplicate mails", lostRow+lostMail, duplicates)
	}
	return nil
}

// getForm shows the donor its form and keeps its tokens.
func (d *donor) getForm(ctx context.Context, base *url.URL) error {
	u := base.JoinPath("organisations", d.slug, "offer").String()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	res, err := d.client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d, %v", u, res.StatusCode, err)
	}
	csrf, form := csrfField.FindSubmatch(body), formField.FindSubmatch(body)
	if csrf == nil || form == nil {
		return fmt.Errorf("GET %s: no csrf_token or form_token in the form", u)
	}
	d.csrf, d.formToken, d.shownAt = html.UnescapeString(string(csrf[1])), html.UnescapeString(string(form[1])), time.Now()
	return nil
}

// post sends the donor's offer and keeps the receipt's reference.
func (d *donor) post(ctx context.Context, base *url.URL) error {
	u := base.JoinPath("organisations", d.slug, "offer").String()
	form := url.Values{
		"csrf_token": {d.csrf}, "form_token": {d.formToken}, "website": {""},
		"kind": {"donation"}, "message": {"A benchmark offer: we would like to support your work with a donation."},
		"name": {"Bench Donor"}, "email": {d.email}, "lang": {"en"}, "consent": {"yes"},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	start := time.Now()
	res, err := d.client.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", u, err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	d.latency, d.status = time.Since(start), res.StatusCode
	if loc := res.Header.Get("Location"); res.StatusCode == http.StatusSeeOther && strings.Contains(loc, "/offer/sent?ref=") {
		if l, err := url.Parse(loc); err == nil {
			d.reference = l.Query().Get("ref")
		}
	}
	return nil
}

// each runs fn for every donor on conc goroutines; the first error stops it.
func each(ctx context.Context, donors []*donor, conc int, fn func(*donor) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= len(donors) {
					return
				}
				if err := fn(donors[i]); err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

func loopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}

func pct(d []time.Duration, p int) string {
	if len(d) == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f ms", float64(d[(len(d)-1)*p/100].Microseconds())/1000)
}

func sumValues(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
