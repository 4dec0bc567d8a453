package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/partnerdir/partnerdir/internal/app"
	"github.com/partnerdir/partnerdir/internal/app/apptest"
	"github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/mail/smtptest"
)

// scrape reads the program's metrics as Prometheus would and parses them.
func scrape(t *testing.T, a *app.App) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	a.Metrics.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("the metrics do not parse: %v", err)
	}
	return families
}

// value is the value of the series of family with exactly labels (nil:
// no such series).
func value(families map[string]*dto.MetricFamily, family string, labels map[string]string) *float64 {
	f := families[family]
	if f == nil {
		return nil
	}
	for _, m := range f.GetMetric() {
		if len(m.GetLabel()) != len(labels) {
			continue
		}
		match := true
		for _, l := range m.GetLabel() {
			if labels[l.GetName()] != l.GetValue() {
				match = false
			}
		}
		if !match {
			continue
		}
		var v float64
		switch {
		case m.Counter != nil:
			v = m.Counter.GetValue()
		case m.Gauge != nil:
			v = m.Gauge.GetValue()
		case m.Histogram != nil:
			v = float64(m.Histogram.GetSampleCount())
		case m.Untyped != nil:
			v = m.Untyped.GetValue()
		}
		return &v
	}
	return nil
}

// TestMetricsShowWhatTheProgramDid is what an operator's Prometheus sees
// after a visitor read a profile twice, searched before and after
// Meilisearch was ready, opened a missing page, and a mail went through
// the outbox to a real SMTP server: every family, with its labels, and
// the values those requests must have moved.
func TestMetricsShowWhatTheProgramDid(t *testing.T) {
	t.Parallel()
	srv := smtptest.New(t)
	a := apptest.New(t, apptest.Setup{
		Env:     map[string]string{"SMTP_URL": srv.URL(), "PAGE_CACHE_BYTES": "8MiB"},
		Options: app.Options{SearchTimeout: 5 * time.Second, PollInterval: 100 * time.Millisecond},
	})
	get := func(path string, want int) {
		t.Helper()
		rec := httptest.NewRecorder()
		a.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != want {
			t.Fatalf("GET %s: %d, want %d", path, rec.Code, want)
		}
	}
	if strings.Contains(a.Config.MetricsAddr, "0.0.0.0") {
		t.Fatalf("METRICS_ADDR defaults to %q", a.Config.MetricsAddr)
	}
	get("/metrics", http.StatusNotFound) // never on the public router
	get("/organisations/ecpat-luxembourg", http.StatusOK)
	get("/organisations/ecpat-luxembourg", http.StatusOK) // from the page cache
	get("/no/such/page", http.StatusNotFound)
	get("/search?q=ecpat", http.StatusOK) // Meilisearch not set up: the fallback answers
	apptest.Index(t, a)
	get("/search?q=ecpat", http.StatusOK) // Meilisearch answers
	get("/search?type=news&q=Bamako", http.StatusOK)
	get("/search?q=ECPAT", http.StatusOK) // the same answer, from the search answer cache

	// A mail queued in the outbox, not yet sent: the workers are not
	// started.
	ctx := context.Background()
	tx, err := a.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Outbox.ComposeTx(ctx, tx, mail.Mail{Name: "account_deleted", Langs: []string{"en"},
		To: mail.Address{Email: "someone@example.org"}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}

	m := scrape(t, a)
	want := func(family string, labels map[string]string, ok func(float64) bool, what string) {
		t.Helper()
		v := value(m, family, labels)
		switch {
		case v == nil:
			t.Errorf("%s %v: missing", family, labels)
		case !ok(*v):
			t.Errorf("%s %v = %v, want %s", family, labels, *v, what)
		}
	}
	positive := func(v float64) bool { return v > 0 }
	is := func(n float64) func(float64) bool { return func(v float64) bool { return v == n } }
	atLeast := func(n float64) func(float64) bool { return func(v float64) bool { return v >= n } }
	any := func(float64) bool { return true }

	want("partnerdir_http_request_duration_seconds", map[string]string{"route": "/organisations/:slug", "method": "GET", "code": "200"}, is(2), "2 requests")
	want("partnerdir_http_request_duration_seconds", map[string]string{"route": "unmatched", "method": "GET", "code": "404"}, is(2), "2 (/metrics and /no/such/page)")
	want("partnerdir_http_request_duration_seconds", map[string]string{"route": "/search", "method": "GET", "code": "200"}, is(4), "4 searches")
	for _, f := range m["partnerdir_http_request_duration_seconds"].GetMetric() {
		for _, l := range f.GetLabel() {
			if l.GetName() == "route" && strings.Contains(l.GetValue(), "ecpat") {
				t.Errorf("a route label holds a visited address: %q", l.GetValue())
			}
		}
	}
	want("partnerdir_page_cache_lookups_total", map[string]string{"result": "hit"}, is(1), "1 (the second visit)")
	want("partnerdir_page_cache_lookups_total", map[string]string{"result": "miss"}, atLeast(1), "the first visit")
	want("partnerdir_page_cache_pages", nil, atLeast(1), "the profile")
	want("partnerdir_page_cache_bytes", nil, func(v float64) bool { return v > 1000 }, "a rendered profile's bytes")

	want("partnerdir_search_answers_total", map[string]string{"index": "organisations", "source": "fallback"}, is(1), "1 (before set-up)")
	want("partnerdir_search_answers_total", map[string]string{"index": "organisations", "source": "engine"}, is(1), "1 (after set-up)")
	want("partnerdir_search_answers_total", map[string]string{"index": "articles", "source": "engine"}, is(1), "1 news search")
	want("partnerdir_search_answers_total", map[string]string{"index": "organisations", "source": "failed"}, is(0), "0")
	want("partnerdir_search_fallbacks_total", map[string]string{"index": "organisations", "reason": "not_ready"}, is(1), "1")
	want("partnerdir_search_breaker_state", map[string]string{"state": "closed"}, is(1), "1")
	want("partnerdir_search_cache_lookups_total", map[string]string{"result": "hit"}, is(1), "1 (ECPAT after ecpat)")
	want("partnerdir_search_cache_lookups_total", map[string]string{"result": "miss"}, is(2), "2 (once Meilisearch was set up)")
	want("partnerdir_search_cache_answers", nil, is(2), "2 answers")
	want("partnerdir_search_cache_bytes", nil, func(v float64) bool { return v > 500 && v <= 8<<20 }, "the answers' bytes, within SEARCH_CACHE_BYTES")
	want("partnerdir_search_breaker_state", map[string]string{"state": "open"}, is(0), "0")

	want("partnerdir_outbox_queued_mails", nil, is(1), "the queued mail")
	want("partnerdir_outbox_oldest_queued_age_seconds", nil, func(v float64) bool { return v >= 0 && v < 600 }, "its age, under 10 minutes")
	want("partnerdir_river_jobs", map[string]string{"kind": "send_mail", "state": "available"}, is(1), "its delivery job")
	want("partnerdir_river_jobs", map[string]string{"kind": "send_mail", "state": "discarded"}, is(0), "0")
	for _, c := range []string{"outbox", "river_jobs"} {
		want("partnerdir_scrape_collector_success", map[string]string{"collector": c}, is(1), "1")
		want("partnerdir_scrape_collector_duration_seconds", map[string]string{"collector": c}, any, "present")
	}

	// The change listener listens (apptest runs it as serve does); the
	// demo data's writes notified it.
	want("partnerdir_invalidation_live", nil, is(1), "1 (listening)")
	want("partnerdir_invalidation_reconnects_total", nil, is(0), "0 (never lost)")
	want("partnerdir_invalidation_notifications_total", nil, any, "present")

	want("partnerdir_db_pool_max_connections", nil, positive, "the pool's size")
	want("partnerdir_db_pool_total_connections", nil, positive, "open connections")
	want("partnerdir_db_pool_acquires_total", nil, positive, "acquisitions")
	for _, f := range []string{"partnerdir_db_pool_acquired_connections", "partnerdir_db_pool_idle_connections",
		"partnerdir_db_pool_acquire_duration_seconds_total", "partnerdir_db_pool_empty_acquires_total", "partnerdir_db_pool_canceled_acquires_total"} {
		want(f, nil, any, "present")
	}
	want("go_goroutines", nil, positive, "goroutines")
	want("process_resident_memory_bytes", nil, positive, "the process's memory")
	for _, o := range []string{"sent", "retried", "failed"} {
		want("partnerdir_mail_deliveries_total", map[string]string{"outcome": o}, is(0), "0 before the workers start")
	}

	// The workers deliver the mail to the SMTP server.
	runCtx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	if err := a.Start(runCtx); err != nil {
		t.Fatal(err)
	}
	if got := srv.WaitFor(1, 30*time.Second); len(got) != 1 || got[0].To[0] != "someone@example.org" {
		t.Fatalf("the SMTP server received %d mails", len(got))
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		m = scrape(t, a)
		sent, queued := value(m, "partnerdir_mail_deliveries_total", map[string]string{"outcome": "sent"}), value(m, "partnerdir_outbox_queued_mails", nil)
		if sent != nil && *sent == 1 && queued != nil && *queued == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after delivery: sent %v, queued %v; want 1 and 0", sent, queued)
		}
		time.Sleep(50 * time.Millisecond)
	}
	want("partnerdir_outbox_oldest_queued_age_seconds", nil, is(0), "0 with nothing queued")
	want("partnerdir_mail_deliveries_total", map[string]string{"outcome": "retried"}, is(0), "0")
	want("partnerdir_mail_deliveries_total", map[string]string{"outcome": "failed"}, is(0), "0")
}
