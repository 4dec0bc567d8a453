package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/search"
)

// mixConfig is the realistic mix's run: distinct queries drawn with a Zipf
// distribution from the data's own words, closed-loop clients for a
// bounded time per path.
type mixConfig struct {
	appCached, appUncached string
	clients                int
	distinct               int
	seed                   uint64
	warm, run              time.Duration
	meiliURL, searchKey    string
	meili                  *search.Meili
}

// vocabulary holds the words of the loaded data: cities of offices, theme
// names, countries' names, words of organisations' names, and the filter
// values in use.
type vocabulary struct {
	cities, themes, countryNames, nameWords []string
	countryCodes, themeSlugs                []string
	kinds                                   []string
}

func loadVocabulary(ctx context.Context, pool *pgxpool.Pool) (vocabulary, error) {
	var v vocabulary
	list := func(dst *[]string, sql string) error {
		rows, _ := pool.Query(ctx, sql)
		s, err := pgx.CollectRows(rows, pgx.RowTo[string])
		*dst = s
		return err
	}
	for _, q := range []struct {
		dst *[]string
		sql string
	}{
		{&v.cities, `SELECT city FROM offices WHERE city <> '' GROUP BY city ORDER BY count(*) DESC LIMIT 80`},
		{&v.themes, `SELECT name FROM (SELECT name_fr AS name FROM themes UNION SELECT name_en FROM themes) t ORDER BY name`},
		{&v.themeSlugs, `SELECT slug FROM themes ORDER BY slug`},
		{&v.countryCodes, `SELECT country_code::text FROM offices GROUP BY country_code ORDER BY count(*) DESC LIMIT 60`},
		{&v.countryNames, `SELECT c.name_fr FROM countries c JOIN (SELECT country_code FROM offices GROUP BY country_code ORDER BY count(*) DESC LIMIT 60) o
			ON o.country_code = c.code ORDER BY c.name_fr`},
		{&v.nameWords, `SELECT w FROM (SELECT regexp_split_to_table(name, '\s+') AS w FROM organisations
			WHERE status = 'published' ORDER BY id LIMIT 5000) t WHERE length(w) >= 4 GROUP BY w ORDER BY count(*) DESC LIMIT 150`},
	} {
		if err := list(q.dst, q.sql); err != nil {
			return v, fmt.Errorf("vocabulary: %w", err)
		}
	}
	for _, k := range directory.Kinds() {
		v.kinds = append(v.kinds, k.Slug())
	}
	if len(v.cities) == 0 || len(v.nameWords) == 0 || len(v.countryCodes) == 0 {
		return v, fmt.Errorf("vocabulary: no data loaded")
	}
	return v, nil
}

// typo misspells w as people do: two letters swapped or one left out.
func typo(r *rand.Rand, w string) string {
	rs := []rune(w)
	if len(rs) < 5 {
		return w
	}
	i := 1 + r.IntN(len(rs)-2)
	if r.IntN(2) == 0 {
		rs[i], rs[i+1] = rs[i+1], rs[i]
		return string(rs)
	}
	return string(append(rs[:i:i], rs[i+1:]...))
}

// queries draws n distinct queries from v with seed: one to three words
// (names, cities, themes, countries), some misspelt, some with a country,
// theme or kind filter, some filters alone, a few sorted by name or on
// page 2.
func (v vocabulary) queries(seed uint64, n int) []search.Query {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	word := func() string {
		switch p := r.IntN(100); {
		case p < 40:
			return pick(v.nameWords)
		case p < 65:
			return pick(v.cities)
		case p < 85:
			return strings.ToLower(pick(v.themes))
		default:
			return pick(v.countryNames)
		}
	}
	seen := map[string]bool{}
	var out []search.Query
	for len(out) < n {
		var q search.Query
		if r.IntN(100) >= 12 { // most have words
			words := []string{word()}
			for k := r.IntN(100); k >= 55 && len(words) < 3; k = r.IntN(100) {
				words = append(words, word())
			}
			if r.IntN(100) < 15 {
				i := r.IntN(len(words))
				words[i] = typo(r, words[i])
			}
			q.Text = strings.Join(words, " ")
		}
		if r.IntN(100) < 30 || q.Text == "" && r.IntN(2) == 0 {
			q.Country = pick(v.countryCodes)
		}
		if r.IntN(100) < 15 || q.Text == "" && q.Country == "" {
			q.Theme = pick(v.themeSlugs)
		}
		if r.IntN(100) < 10 {
			q.Kind = pick(v.kinds)
		}
		switch p := r.IntN(100); {
		case p < 5:
			q.Sort = search.SortName
		case p < 10:
			q.Page = 2
		}
		k := values(q).Encode()
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, q)
	}
	return out
}

// zipfOrder is the order the clients send the queries in: indexes drawn
// with a Zipf distribution (s = 1.1: a few queries are very frequent,
// most are rare), with seed.
func zipfOrder(seed uint64, distinct, n int) []int {
	r := rand.New(rand.NewPCG(seed, 7))
	z := rand.NewZipf(r, 1.1, 1, uint64(distinct-1))
	out := make([]int, n)
	for i := range out {
		out[i] = int(z.Uint64())
	}
	return out
}

func runMix(ctx context.Context, pool *pgxpool.Pool, mc mixConfig) error {
	v, err := loadVocabulary(ctx, pool)
	if err != nil {
		return err
	}
	qs := v.queries(mc.seed, mc.distinct)
	order := zipfOrder(mc.seed, len(qs), 1<<20)
	counts := map[int]int{}
	for _, i := range order[:100000] {
		counts[i]++
	}
	top := 0
	for _, n := range counts {
		top = max(top, n)
	}
	var filtered, bare int
	for _, q := range qs {
		if q.Country != "" || q.Theme != "" || q.Kind != "" {
			filtered++
		}
		if q.Text == "" {
			bare++
		}
	}
	fmt.Printf("\n### Realistic mix: %d distinct queries, Zipf (s = 1.1, seed %d), %d clients, %s per path after %s of warm-up\n\n",
		len(qs), mc.seed, mc.clients, mc.run, mc.warm)
	fmt.Printf("%d of the queries have a filter (country, theme or kind), %d no words; of 100,000 draws the most frequent query takes %.1f %%, %d distinct queries appear.\n",
		filtered, bare, float64(top)/1000, len(counts))
	fmt.Printf("Examples: %s\n\n", examples(qs[:8]))

	client := search.HTTPClient()
	client.Timeout = 10 * time.Second
	var addr atomic.Int64
	// Each request comes from another address (believed from 127.0.0.1:
	// the benchmark's app runs with TRUSTED_PROXIES=127.0.0.1), so the
	// per-client rate limits do not apply to a load test.
	get := func(u string) error {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		n := addr.Add(1)
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", n/65536%256, n/256%256, n%256))
		return do(client, req)
	}
	page := func(base string) func(search.Query) error {
		return func(q search.Query) error { return get(base + "/search?" + values(q).Encode()) }
	}
	api := func(base string) func(search.Query) error {
		return func(q search.Query) error { return get(base + "/api/v1/search?" + values(q).Encode()) }
	}
	// Meilisearch directly: the very requests the app sends for the query
	// (the page and the other type's count, at the same time), with the
	// search-only key.
	direct := func(highlight bool) func(search.Query) error {
		return func(q search.Query) error {
			q.Highlight = highlight
			if err := q.Normalize(); err != nil {
				return err
			}
			reqs := mc.meili.Requests(q)
			errs := make([]error, len(reqs))
			var wg sync.WaitGroup
			for i, r := range reqs {
				wg.Go(func() {
					body, _ := json.Marshal(r.Body)
					req, _ := http.NewRequest(http.MethodPost, mc.meiliURL+"/indexes/"+r.Index+"/search", bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+mc.searchKey)
					errs[i] = do(client, req)
				})
			}
			wg.Wait()
			return errorsJoin(errs)
		}
	}
	type path struct {
		name string
		fn   func(search.Query) error
	}
	groups := []struct {
		title string
		paths []path
	}{
		{"`/search` (HTML page)", []path{
			{"Meilisearch directly (same requests, search key)", direct(true)},
			{"app, cache off (`SEARCH_CACHE_BYTES=0`)", page(mc.appUncached)},
			{"app, cache on (default)", page(mc.appCached)},
		}},
		{"`/api/v1/search` (JSON)", []path{
			{"Meilisearch directly (same requests, search key)", direct(false)},
			{"app, cache off (`SEARCH_CACHE_BYTES=0`)", api(mc.appUncached)},
			{"app, cache on (default)", api(mc.appCached)},
		}},
	}
	fmt.Println("| endpoint | path | requests | p50 | p95 | p99 | req/s | errors | load average |")
	fmt.Println("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
	type figures struct{ p50, p99 time.Duration }
	results := map[string][]figures{}
	for _, g := range groups {
		for _, p := range g.paths {
			for _, q := range qs[:5] { // each path answers before it is timed
				if err := p.fn(q); err != nil {
					return fmt.Errorf("%s %s: %+v: %w", g.title, p.name, q, err)
				}
			}
			timed(p.fn, qs, order, mc.clients, mc.warm)
			lat, errs, elapsed := timed(p.fn, qs, order, mc.clients, mc.run)
			f := figures{pct(lat, 50), pct(lat, 99)}
			results[g.title] = append(results[g.title], f)
			fmt.Printf("| %s | %s | %d | %s | %s | %s | %.0f | %d | %s |\n", g.title, p.name, len(lat), ms(f.p50), ms(pct(lat, 95)), ms(f.p99),
				float64(len(lat))/elapsed.Seconds(), errs, loadAverage())
		}
	}
	fmt.Println()
	for _, g := range groups {
		f := results[g.title]
		fmt.Printf("- %s: app ÷ direct, cache off: p50 %.2f, p99 %.2f (target ≤ 1.1); cache on: p50 %.2f, p99 %.2f; the mix's p99 with the cache on: %s (target ≤ 50 ms)\n",
			g.title, ratio(f[1].p50, f[0].p50), ratio(f[1].p99, f[0].p99), ratio(f[2].p50, f[0].p50), ratio(f[2].p99, f[0].p99), ms(f[2].p99))
	}
	return nil
}

func ratio(a, b time.Duration) float64 { return a.Seconds() / b.Seconds() }

func errorsJoin(errs []error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func examples(qs []search.Query) string {
	var s []string
	for _, q := range qs {
		s = append(s, "`"+values(q).Encode()+"`")
	}
	return strings.Join(s, ", ")
}

// timed runs fn from conc closed-loop clients for d, each taking the next
// query of order, and returns each call's latency.
func timed(fn func(search.Query) error, qs []search.Query, order []int, conc int, d time.Duration) ([]time.Duration, int, time.Duration) {
	var next, errs atomic.Int64
	var first sync.Once
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	stop := start.Add(d)
	for range conc {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(stop) {
				i := int(next.Add(1)-1) % len(order)
				t := time.Now()
				if err := fn(qs[order[i]]); err != nil {
					errs.Add(1)
					first.Do(func() { fmt.Fprintln(os.Stderr, "searchbench: first error of the path:", err) })
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return lat, int(errs.Load()), time.Since(start)
}

// loadAverage is the machine's 1-minute load average now ("?" where
// /proc/loadavg is not there).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	if _, err := strconv.ParseFloat(f[0], 64); err != nil {
		return "?"
	}
	return f[0]
}
