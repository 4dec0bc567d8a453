package metrics_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/partnerdir/partnerdir/internal/metrics"
)

func scrape(t *testing.T, m *metrics.Metrics) (map[string]*dto.MetricFamily, time.Duration) {
	t.Helper()
	start := time.Now()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, metrics.Path, nil))
	took := time.Since(start)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("the metrics do not parse: %v", err)
	}
	return families, took
}

// TestRequestLabelsStayBounded: whatever a client sends, the labels of the
// request histogram come from a fixed set — an address no route matched is
// "unmatched", an invented method "other".
func TestRequestLabelsStayBounded(t *testing.T) {
	t.Parallel()
	m := metrics.New(slog.New(slog.DiscardHandler))
	for i := range 50 {
		m.Request("", "BREW"+strings.Repeat("X", i), 404, time.Millisecond)
	}
	m.Request("/organisations/:slug", "GET", 200, time.Millisecond)
	families, _ := scrape(t, m)
	series := families["partnerdir_http_request_duration_seconds"].GetMetric()
	if len(series) != 2 {
		t.Fatalf("%d series, want 2 (unmatched/other/404 and the profile)", len(series))
	}
	for _, s := range series {
		labels := map[string]string{}
		for _, l := range s.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if labels["route"] == "unmatched" && (labels["method"] != "other" || s.GetHistogram().GetSampleCount() != 50) {
			t.Errorf("unmatched requests: %v with %d samples, want method other and 50", labels, s.GetHistogram().GetSampleCount())
		}
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("GET / on the metrics handler: %d, want 404", rec.Code)
	}
}

// TestScrapeSurvivesADeadOrHungDatabase: with PostgreSQL refusing
// connections, or accepting them and never answering, a scrape still
// answers within the collectors' timeout: the database's metrics are
// missing and partnerdir_scrape_collector_success says 0, the rest is
// there.
func TestScrapeSurvivesADeadOrHungDatabase(t *testing.T) {
	t.Parallel()
	// hung accepts connections and never says a word.
	hung, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hung.Close() })
	go func() {
		for {
			c, err := hung.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(io.Discard, c); c.Close() }()
		}
	}()
	for name, url := range map[string]string{
		"refused": "postgres://postgres@127.0.0.1:1/none",
		"hung":    "postgres://postgres@" + hung.Addr().String() + "/none",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			pool, err := pgxpool.New(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(pool.Close)
			m := metrics.New(slog.New(slog.DiscardHandler))
			m.WatchPool(pool)
			m.WatchOutbox(pool)
			m.WatchJobs(pool)
			families, took := scrape(t, m)
			if took > 5*time.Second {
				t.Errorf("the scrape took %v", took)
			}
			for _, c := range []string{"outbox", "river_jobs"} {
				var ok *float64
				for _, s := range families["partnerdir_scrape_collector_success"].GetMetric() {
					if s.GetLabel()[0].GetValue() == c {
						v := s.GetGauge().GetValue()
						ok = &v
					}
				}
				if ok == nil || *ok != 0 {
					t.Errorf("collector %s: success %v, want 0", c, ok)
				}
			}
			for _, f := range []string{"partnerdir_outbox_queued_mails", "partnerdir_outbox_oldest_queued_age_seconds", "partnerdir_river_jobs"} {
				if families[f] != nil {
					t.Errorf("%s reported without a database: %v", f, families[f])
				}
			}
			if families["partnerdir_db_pool_max_connections"] == nil || families["go_goroutines"] == nil {
				t.Error("the pool's and the runtime's metrics are missing")
			}
		})
	}
}

// BenchmarkRequest is the cost the request histogram adds to every
// request (a label lookup and an observation).
func BenchmarkRequest(b *testing.B) {
	m := metrics.New(slog.New(slog.DiscardHandler))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Request("/organisations/:slug", "GET", 200, 3*time.Millisecond)
		}
	})
}

// TestHandlerServesGoProfiles: the metrics listener also gives Go's
// profiles of the running program (the public one never does:
// TestPublicListenerHasNoProfiles in internal/web).
func TestHandlerServesGoProfiles(t *testing.T) {
	t.Parallel()
	h := metrics.New(slog.New(slog.DiscardHandler)).Handler()
	for path, want := range map[string]string{"/debug/pprof/": "goroutine", "/debug/pprof/heap?debug=1": "heap profile"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), want) {
			t.Errorf("GET %s: %d, want 200 with %q", path, rec.Code, want)
		}
	}
}
