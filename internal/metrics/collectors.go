package metrics

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/partnerdir/partnerdir/internal/search"
)

// queryTimeout bounds each collector's query, its wait for a pooled
// connection included: a slow or unreachable database costs a scrape at
// most this long (the collectors run side by side), never a hang.
const queryTimeout = 2 * time.Second

// WatchPool reports pool's use from its Stat() on each scrape: no query.
func (m *Metrics) WatchPool(pool *pgxpool.Pool) {
	m.reg.MustRegister(poolCollector{pool: pool})
}

// WatchPageCache reports the pages the page cache holds and their bytes,
// as held reports them on each scrape (web.Server.CachedPages).
func (m *Metrics) WatchPageCache(held func() (pages int, bytes int64)) {
	m.reg.MustRegister(heldCollector{held: held, count: pageCachePages, bytes: pageCacheBytes})
}

// WatchInvalidation reports whether the change listener is live (1) or
// not (0: the page cache is bypassed), as live reports it on each scrape
// (invalidate.Listener.Live).
func (m *Metrics) WatchInvalidation(live func() bool) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "partnerdir_invalidation_live",
		Help: "1 while the change listener listens on partnerdir_changes, 0 while it reconnects (cached pages are not served).",
	}, func() float64 {
		if live() {
			return 1
		}
		return 0
	}))
}

// WatchSearchCache reports the answers the search answer cache holds and
// their estimated bytes, as held reports them on each scrape
// (search.Service.CacheHeld).
func (m *Metrics) WatchSearchCache(held func() (answers int, bytes int64)) {
	m.reg.MustRegister(heldCollector{held: held, count: searchCacheAnswers, bytes: searchCacheBytes})
}

// WatchSearchBreaker reports the search breaker's state, as state reports
// it on each scrape (search.Service.Breaker).
func (m *Metrics) WatchSearchBreaker(state func() search.BreakerState) {
	m.reg.MustRegister(breakerCollector{state: state})
}

// WatchOutbox reports the queued mails and the oldest one's age, from one
// query on each scrape.
func (m *Metrics) WatchOutbox(pool *pgxpool.Pool) {
	m.reg.MustRegister(newQueryCollector(m, "outbox", pool, outboxQuery, []*prometheus.Desc{outboxQueued, outboxOldest}, readOutbox))
}

// WatchJobs reports River's jobs by kind and state, from one query on
// each scrape.
func (m *Metrics) WatchJobs(pool *pgxpool.Pool) {
	m.reg.MustRegister(newQueryCollector(m, "river_jobs", pool, jobsQuery, []*prometheus.Desc{riverJobs}, readJobs))
}

var (
	poolAcquired = prometheus.NewDesc("partnerdir_db_pool_acquired_connections",
		"PostgreSQL connections of the pool in use now.", nil, nil)
	poolIdle = prometheus.NewDesc("partnerdir_db_pool_idle_connections",
		"PostgreSQL connections of the pool idle now.", nil, nil)
	poolTotal = prometheus.NewDesc("partnerdir_db_pool_total_connections",
		"PostgreSQL connections of the pool now: acquired, idle and being opened.", nil, nil)
	poolMax = prometheus.NewDesc("partnerdir_db_pool_max_connections",
		"The pool's maximum number of PostgreSQL connections.", nil, nil)
	poolAcquires = prometheus.NewDesc("partnerdir_db_pool_acquires_total",
		"Connections acquired from the pool.", nil, nil)
	poolAcquireSeconds = prometheus.NewDesc("partnerdir_db_pool_acquire_duration_seconds_total",
		"Time spent acquiring connections from the pool, summed.", nil, nil)
	poolEmptyAcquires = prometheus.NewDesc("partnerdir_db_pool_empty_acquires_total",
		"Acquisitions that had to wait for a connection: none was idle.", nil, nil)
	poolCanceledAcquires = prometheus.NewDesc("partnerdir_db_pool_canceled_acquires_total",
		"Acquisitions abandoned by their caller (a deadline or a visitor gone) before a connection came.", nil, nil)

	pageCachePages = prometheus.NewDesc("partnerdir_page_cache_pages",
		"Rendered public pages the page cache holds now.", nil, nil)
	pageCacheBytes = prometheus.NewDesc("partnerdir_page_cache_bytes",
		"Bytes of the bodies of the pages the page cache holds now.", nil, nil)
	searchCacheAnswers = prometheus.NewDesc("partnerdir_search_cache_answers",
		"Search answers the answer cache holds now.", nil, nil)
	searchCacheBytes = prometheus.NewDesc("partnerdir_search_cache_bytes",
		"Estimated bytes of the answers the search answer cache holds now (bounded by SEARCH_CACHE_BYTES).", nil, nil)

	breakerState = prometheus.NewDesc("partnerdir_search_breaker_state",
		"The breaker in front of Meilisearch: 1 for its current state (closed, open, half_open), 0 for the others.", []string{"state"}, nil)

	outboxQueued = prometheus.NewDesc("partnerdir_outbox_queued_mails",
		"Mails stored in the outbox and not yet sent (nor failed for good).", nil, nil)
	outboxOldest = prometheus.NewDesc("partnerdir_outbox_oldest_queued_age_seconds",
		"Age of the oldest queued mail (0 when none is queued).", nil, nil)

	riverJobs = prometheus.NewDesc("partnerdir_river_jobs",
		"River jobs by kind and state: waiting (available, scheduled, pending), running, retryable, and finished without success (cancelled, discarded). "+
			"Completed jobs are not counted: they are River's retention of done work, and counting them reads the whole table.",
		[]string{"kind", "state"}, nil)
)

type poolCollector struct{ pool *pgxpool.Pool }

func (c poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolAcquired, poolIdle, poolTotal, poolMax, poolAcquires, poolAcquireSeconds, poolEmptyAcquires, poolCanceledAcquires} {
		ch <- d
	}
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	gauge(poolAcquired, float64(s.AcquiredConns()))
	gauge(poolIdle, float64(s.IdleConns()))
	gauge(poolTotal, float64(s.TotalConns()))
	gauge(poolMax, float64(s.MaxConns()))
	counter(poolAcquires, float64(s.AcquireCount()))
	counter(poolAcquireSeconds, s.AcquireDuration().Seconds())
	counter(poolEmptyAcquires, float64(s.EmptyAcquireCount()))
	counter(poolCanceledAcquires, float64(s.CanceledAcquireCount()))
}

// heldCollector reports what a cache holds: its entries and their bytes.
type heldCollector struct {
	held         func() (int, int64)
	count, bytes *prometheus.Desc
}

func (c heldCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.count
	ch <- c.bytes
}

func (c heldCollector) Collect(ch chan<- prometheus.Metric) {
	n, bytes := c.held()
	ch <- prometheus.MustNewConstMetric(c.count, prometheus.GaugeValue, float64(n))
	ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.GaugeValue, float64(bytes))
}

type breakerCollector struct{ state func() search.BreakerState }

func (c breakerCollector) Describe(ch chan<- *prometheus.Desc) { ch <- breakerState }

func (c breakerCollector) Collect(ch chan<- prometheus.Metric) {
	now := c.state()
	for _, s := range []search.BreakerState{search.BreakerClosed, search.BreakerOpen, search.BreakerHalfOpen} {
		v := 0.0
		if s == now {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(breakerState, prometheus.GaugeValue, v, string(s))
	}
}

// outboxQuery reads mail_messages_status_idx (status, created_at) WHERE
// status <> 'sent' alone (an index-only scan: 1,500 queued among 300,000
// mails in 35 ms on the shared test machine), never the sent mails.
const outboxQuery = `
	SELECT count(*), COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8
	FROM mail_messages WHERE status = 'queued'`

func readOutbox(rows pgx.Rows) ([]prometheus.Metric, error) {
	var n int64
	var age float64
	if _, err := pgx.ForEachRow(rows, []any{&n, &age}, func() error { return nil }); err != nil {
		return nil, err
	}
	return []prometheus.Metric{
		prometheus.MustNewConstMetric(outboxQueued, prometheus.GaugeValue, float64(n)),
		prometheus.MustNewConstMetric(outboxOldest, prometheus.GaugeValue, max(age, 0)),
	}, nil
}

// jobStates are the states partnerdir_river_jobs counts, and jobsQuery
// counts them through river_job_prioritized_fetching_index (state leads
// it), so its cost follows the jobs waiting or failed, not the completed
// ones River keeps for a day: with 1,000,000 jobs of which 4,429 not
// completed, 0.2–0.5 s on the loaded test machine, against 1.7–2.3 s for
// a GROUP BY over the whole table.
var jobStates = []string{"available", "pending", "scheduled", "running", "retryable", "cancelled", "discarded"}

const jobsQuery = `
	SELECT kind, state::text, count(*) FROM river_job
	WHERE state IN ('available', 'pending', 'scheduled', 'running', 'retryable', 'cancelled', 'discarded')
	GROUP BY 1, 2`

func readJobs(rows pgx.Rows) ([]prometheus.Metric, error) {
	counts := map[string]map[string]int64{}
	var kind, state string
	var n int64
	if _, err := pgx.ForEachRow(rows, []any{&kind, &state, &n}, func() error {
		if counts[kind] == nil {
			counts[kind] = map[string]int64{}
		}
		counts[kind][state] = n
		return nil
	}); err != nil {
		return nil, err
	}
	// Each kind seen gets every state, 0 included, so a backlog that
	// drains reads 0 rather than vanishing while other jobs of its kind
	// remain.
	var out []prometheus.Metric
	for kind, byState := range counts {
		for _, s := range jobStates {
			out = append(out, prometheus.MustNewConstMetric(riverJobs, prometheus.GaugeValue, float64(byState[s]), kind, s))
		}
	}
	return out, nil
}

// The health of each query collector: its own series of these two
// families, told apart by the constant label collector.
const (
	collectorSuccessName = "partnerdir_scrape_collector_success"
	collectorSuccessHelp = "1 when the collector's query answered in this scrape, 0 when it failed or timed out (its metrics are then missing)."
	collectorSecondsName = "partnerdir_scrape_collector_duration_seconds"
	collectorSecondsHelp = "Time the collector's query took in this scrape."
)

// queryCollector runs one query on each scrape, within queryTimeout, and
// reports whether it answered and how long it took. On failure it emits
// none of its own metrics (a stale or made-up value would mislead) and
// logs why.
type queryCollector struct {
	m     *Metrics
	name  string
	pool  *pgxpool.Pool
	query string
	descs []*prometheus.Desc
	// read turns the query's rows into metrics.
	read             func(pgx.Rows) ([]prometheus.Metric, error)
	success, seconds *prometheus.Desc
}

func newQueryCollector(m *Metrics, name string, pool *pgxpool.Pool, query string, descs []*prometheus.Desc,
	read func(pgx.Rows) ([]prometheus.Metric, error)) *queryCollector {
	which := prometheus.Labels{"collector": name}
	return &queryCollector{m: m, name: name, pool: pool, query: query, descs: descs, read: read,
		success: prometheus.NewDesc(collectorSuccessName, collectorSuccessHelp, nil, which),
		seconds: prometheus.NewDesc(collectorSecondsName, collectorSecondsHelp, nil, which)}
}

func (c *queryCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
	ch <- c.success
	ch <- c.seconds
}

func (c *queryCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	start := time.Now()
	out, err := c.run(ctx)
	took := time.Since(start)
	ok := 1.0
	if err != nil {
		ok, out = 0, nil
		c.m.log.Warn("metrics: collector failed", "collector", c.name, "err", err)
	}
	for _, metric := range out {
		ch <- metric
	}
	ch <- prometheus.MustNewConstMetric(c.success, prometheus.GaugeValue, ok)
	ch <- prometheus.MustNewConstMetric(c.seconds, prometheus.GaugeValue, took.Seconds())
}

func (c *queryCollector) run(ctx context.Context) ([]prometheus.Metric, error) {
	rows, err := c.pool.Query(ctx, c.query)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.name, err)
	}
	defer rows.Close()
	out, err := c.read(rows)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.name, err)
	}
	return out, nil
}
