// Package metrics owns Partnerdir's Prometheus metrics: the one registry
// of a program (internal/app builds it; nothing registers with
// Prometheus's global default), the definition of every partnerdir_
// family, the hooks the domain packages are handed as plain functions or
// small interfaces (they never import Prometheus), the collectors that
// read the pool, the outbox and the job table on each scrape, and the
// handler `serve` puts on its own listener (METRICS_ADDR), never on the
// public router.
package metrics

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/search"
)

// Path is where the metrics handler answers.
const Path = "/metrics"

// Metrics is one program's registry and the metrics its hooks feed.
type Metrics struct {
	reg *prometheus.Registry
	log *slog.Logger

	requests *prometheus.HistogramVec
	// observers caches requests' series by requestKey: a third of the
	// cost of finding the series by its label values on every request.
	observers       sync.Map
	pageLookups     *prometheus.CounterVec
	searchAnswers   *prometheus.CounterVec
	searchFallbacks *prometheus.CounterVec
	searchLookups   *prometheus.CounterVec
	mails           *prometheus.CounterVec
	notifications   prometheus.Counter
	reconnects      prometheus.Counter
}

// requestBuckets reach down to a millisecond: a page served from the page
// cache takes well under one, a cold list page tens.
var requestBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// New makes a registry holding the Go runtime and process collectors and
// the families the hooks feed. The collectors that read the program's
// parts are added with the Watch methods.
func New(log *slog.Logger) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		log: log,
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "partnerdir_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route pattern (\"unmatched\" when no route matched), method and status code.",
			Buckets: requestBuckets,
		}, []string{"route", "method", "code"}),
		pageLookups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "partnerdir_page_cache_lookups_total",
			Help: "Lookups of the page cache by anonymous visitors' GET requests, by result (hit, miss).",
		}, []string{"result"}),
		searchAnswers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "partnerdir_search_answers_total",
			Help: "Searches by index searched and source of the answer: engine (Meilisearch), fallback (PostgreSQL), failed (neither), invalid (refused query), canceled (the visitor left).",
		}, []string{"index", "source"}),
		searchFallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "partnerdir_search_fallbacks_total",
			Help: "Searches sent to the PostgreSQL fallback, by index and reason: not_ready, engine_failed, breaker_open.",
		}, []string{"index", "reason"}),
		searchLookups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "partnerdir_search_cache_lookups_total",
			Help: "Lookups of the search answer cache by anonymous searches, by result (hit, miss); a hit is not counted in partnerdir_search_answers_total.",
		}, []string{"result"}),
		mails: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "partnerdir_mail_deliveries_total",
			Help: "Delivery attempts of queued mails by outcome: sent, retried (temporary failure), failed (refused for good, or out of attempts).",
		}, []string{"outcome"}),
		notifications: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "partnerdir_invalidation_notifications_total",
			Help: "Change notifications received from PostgreSQL (channel partnerdir_changes): each invalidates the page cache and the counts.",
		}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "partnerdir_invalidation_reconnects_total",
			Help: "Times the change listener lost its connection (the caches are bypassed until it is back).",
		}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.pageLookups, m.searchAnswers, m.searchFallbacks, m.searchLookups, m.mails,
		m.notifications, m.reconnects,
	)
	// Every series a hook can feed exists from the start at 0, so a rate
	// is right from the first event and a dashboard shows 0, not nothing.
	for _, r := range []string{"hit", "miss"} {
		m.pageLookups.WithLabelValues(r)
		m.searchLookups.WithLabelValues(r)
	}
	for _, k := range []search.Kind{search.Organisations, search.Articles} {
		for _, s := range []search.Source{search.SourceEngine, search.SourceFallback, search.SourceFailed, search.SourceInvalid, search.SourceCanceled} {
			m.searchAnswers.WithLabelValues(string(k), string(s))
		}
		for _, r := range []search.FallbackReason{search.FallbackNotReady, search.FallbackEngineFailed, search.FallbackBreakerOpen} {
			m.searchFallbacks.WithLabelValues(string(k), string(r))
		}
	}
	for _, o := range []mail.Outcome{mail.Sent, mail.Retried, mail.Failed} {
		m.mails.WithLabelValues(string(o))
	}
	return m
}

// Handler answers GET (and HEAD) /metrics in Prometheus's text format
// (or OpenMetrics, or compressed, as the scraper asks), Go's profiles
// under /debug/pprof/, and 404 anything else. Concurrent scrapes share one collection, at most 4 wait for it,
// and an answer taking over 10 s is a 503: a scrape stays cheap however
// often it comes. A collector that fails reports it in
// partnerdir_scrape_collector_success and the rest is still served.
func (m *Metrics) Handler() http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:            slogPrinter{m.log},
		ErrorHandling:       promhttp.ContinueOnError,
		Registry:            m.reg,
		MaxRequestsInFlight: 4,
		Timeout:             10 * time.Second,
		CoalesceGather:      true,
	})
	mux := http.NewServeMux()
	mux.Handle("GET "+Path, h)
	// Go's profiles of the running program (CPU, heap, goroutines), for
	// whoever may reach this listener: an operator explaining where a
	// request's time goes (BENCHMARKS.md). Never on the public listener.
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	return mux
}

// slogPrinter gives promhttp's error log to the program's logger.
type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Println(v ...any) { p.log.Warn("metrics: " + fmt.Sprint(v...)) }

// Request records one HTTP request (web.Meter). Labels stay bounded
// whatever a client sends: the route is the pattern of the table or
// "unmatched", a method outside the standard ones is "other", and the
// code is one the server chose.
func (m *Metrics) Request(route, method string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	k := requestKey{route: route, method: knownMethod(method), code: status}
	o, ok := m.observers.Load(k)
	if !ok {
		o, _ = m.observers.LoadOrStore(k, m.requests.WithLabelValues(k.route, k.method, strconv.Itoa(k.code)))
	}
	o.(prometheus.Observer).Observe(d.Seconds())
}

// requestKey names a series of the request histogram; the labels being
// bounded, so are the cached series.
type requestKey struct {
	route, method string
	code          int
}

func knownMethod(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return method
	}
	return "other"
}

// PageCacheLookup records one lookup of the page cache (web.Meter).
func (m *Metrics) PageCacheLookup(hit bool) { m.pageLookups.WithLabelValues(hitOrMiss(hit)).Inc() }

// SearchCacheLookup records one lookup of the search answer cache (the
// search service's CacheLookup hook).
func (m *Metrics) SearchCacheLookup(hit bool) { m.searchLookups.WithLabelValues(hitOrMiss(hit)).Inc() }

func hitOrMiss(hit bool) string {
	if hit {
		return "hit"
	}
	return "miss"
}

// SearchAnswered records how one search was answered (the search
// service's Observe hook).
func (m *Metrics) SearchAnswered(o search.Outcome) {
	m.searchAnswers.WithLabelValues(string(o.Index), string(o.Source)).Inc()
	if o.Fallback != "" {
		m.searchFallbacks.WithLabelValues(string(o.Index), string(o.Fallback)).Inc()
	}
}

// InvalidationNotified counts a batch of n change notifications
// (invalidate.Options.Notified).
func (m *Metrics) InvalidationNotified(n int) { m.notifications.Add(float64(n)) }

// InvalidationLost counts a lost connection of the change listener
// (invalidate.Options.Lost).
func (m *Metrics) InvalidationLost() { m.reconnects.Inc() }

// MailDelivered records the outcome of one delivery attempt (the mail
// worker's WithOutcomes hook).
func (m *Metrics) MailDelivered(o mail.Outcome) { m.mails.WithLabelValues(string(o)).Inc() }
