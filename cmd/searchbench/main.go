// Command searchbench measures search, in one run and for one set of
// queries: the latency of /search through the app against the same query
// sent straight to Meilisearch and against the PostgreSQL fallback (p50,
// p95, p99 under concurrency), and the time of a full reindex against raw
// ingestion of the same documents into Meilisearch. `make bench-search`
// provides the data, a private Meilisearch and a running app.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/meilisearch/meilisearch-go"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/postgres"
	"github.com/partnerdir/partnerdir/internal/search"
	searchdef "github.com/partnerdir/partnerdir/search"
)

// queries is the fixed query set: words, misspellings, places and filters.
var queries = []search.Query{
	{Text: "enfants"}, {Text: "eau potable"}, {Text: "santé"}, {Text: "education"}, {Text: "developpement"},
	{Text: "Bamako"}, {Text: "Dakar"}, {Text: "ecpta"}, {Text: "formation des femmes"}, {Text: "microfinance"},
	{Text: "sécurité alimentaire"}, {Text: "handicap"}, {Text: "climat"}, {Text: "protection"}, {Text: "ONG"},
	{Country: "ML"}, {Country: "SN", Theme: "education"}, {Text: "eau", Country: "BF"},
	{Theme: "child-protection", Support: "volunteering"}, {Text: "santé", Kind: "national-ngo"},
	{Text: "enfants", Sort: search.SortName}, {}, {Text: "agriculture", Page: 3},
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "searchbench:", err)
		os.Exit(1)
	}
}

func run() (err error) {
	app := flag.String("app", "", "base URL of the running app (required)")
	conc := flag.Int("c", 8, "concurrent clients")
	n := flag.Int("n", 3000, "requests per measured path")
	nf := flag.Int("nf", 500, "requests for the (slower) fallback path")
	skipIndex := flag.Bool("skip-index", false, "skip the reindex and raw ingestion timings")
	uncached := flag.String("app-uncached", "", "base URL of the same app with SEARCH_CACHE_BYTES=0: runs the realistic mix")
	mixClients := flag.Int("mix-c", 32, "concurrent clients of the realistic mix")
	mixDistinct := flag.Int("mix-queries", 600, "distinct queries of the realistic mix")
	mixSeed := flag.Uint64("mix-seed", 42, "seed of the realistic mix's queries and their order")
	mixWarm := flag.Duration("mix-warm", 2*time.Second, "warm-up of each path of the mix (not timed)")
	mixRun := flag.Duration("mix-run", 15*time.Second, "timed run of each path of the mix")
	flag.Parse()
	if *app == "" {
		return fmt.Errorf("give -app http://host:port")
	}
	ctx := context.Background()
	pool, err := postgres.Open(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		return err
	}
	defer pool.Close()
	meiliURL, key, index := os.Getenv("MEILI_URL"), os.Getenv("MEILI_MASTER_KEY"), os.Getenv("MEILI_INDEX")
	if index == "" {
		index = "organisations"
	}
	defs, err := search.LoadDefinitions(searchdef.FS)
	if err != nil {
		return err
	}
	settings := defs[0].Settings // the organisations index's
	m := search.NewMeili(search.MeiliConfig{URL: meiliURL, MasterKey: key, Index: index, Definitions: defs,
		Logger: slog.New(slog.DiscardHandler)})
	ix := search.NewIndexer(pool, directory.NewStore(pool, nil), m, search.IndexerOptions{})
	var orgs int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM organisations WHERE status = 'published'`).Scan(&orgs); err != nil {
		return err
	}
	fmt.Printf("## Search benchmark — %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Printf("%d published organisations; %d concurrent clients; %d requests per path (%d for the fallback); %d distinct queries.\n\n",
		orgs, *conc, *n, *nf, len(queries))

	if !*skipIndex {
		start := time.Now()
		st, err := ix.ReindexKind(ctx, search.Organisations, nil)
		if err != nil {
			return err
		}
		reindex := time.Since(start)
		raw, err := rawIngestion(ctx, pool, meiliURL, key, index+"_raw", settings)
		if err != nil {
			return err
		}
		fmt.Println("| indexing | documents | time | ratio |")
		fmt.Println("| --- | ---: | ---: | ---: |")
		fmt.Printf("| raw ingestion into Meilisearch (same documents, same settings, batches of 1000) | %d | %s | 1.00 |\n", orgs, raw.Round(time.Millisecond))
		fmt.Printf("| `partnerdir search reindex` (read from PostgreSQL, build, fallback rows, fresh index, swap) | %d | %s | %.2f |\n\n",
			st.Documents, reindex.Round(time.Millisecond), reindex.Seconds()/raw.Seconds())
	}

	// Warm up and check that each path answers.
	// Both paths skip compressed responses, as the app's Meilisearch client
	// does (see search.HTTPClient).
	client := search.HTTPClient()
	client.Timeout = 10 * time.Second
	direct := func(q search.Query) error {
		q.Highlight = true // as the page asks
		_ = q.Normalize()
		body, _ := json.Marshal(search.MeiliRequest(q))
		req, _ := http.NewRequest(http.MethodPost, meiliURL+"/indexes/"+index+"/search", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		return do(client, req)
	}
	var fellBack, addrs atomic.Int64
	viaApp := func(q search.Query) error {
		req, _ := http.NewRequest(http.MethodGet, *app+"/search?"+values(q).Encode(), nil)
		// Another client address each time (the app believes it from
		// 127.0.0.1): the per-client search rate does not apply here.
		a := addrs.Add(1)
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", a/65536%256, a/256%256, a%256))
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: HTTP %d", req.URL, resp.StatusCode)
		}
		// The page says so when the fallback answered (Meilisearch over its
		// deadline, or the breaker open).
		if bytes.Contains(body, []byte(`class="notice"`)) {
			fellBack.Add(1)
		}
		return nil
	}
	fb := search.NewFallback(pool)
	fallback := func(q search.Query) error {
		_ = q.Normalize()
		_, err := fb.Search(ctx, q)
		return err
	}
	paths := []struct {
		name string
		fn   func(search.Query) error
		n    int
	}{
		{"Meilisearch directly (HTTP, same request as the app)", direct, *n},
		{"app `/search` (full HTML page, Meilisearch behind)", viaApp, *n},
		{"PostgreSQL fallback (in-process, same queries)", fallback, *nf},
	}
	if *uncached != "" {
		defer func() {
			if err != nil {
				return
			}
			searchKey, kerr := search.SearchKey(ctx, meiliURL, key, index)
			if kerr != nil {
				err = kerr
				return
			}
			if err = m.Setup(ctx); err != nil {
				return
			}
			err = runMix(ctx, pool, mixConfig{appCached: *app, appUncached: *uncached, clients: *mixClients, distinct: *mixDistinct,
				seed: *mixSeed, warm: *mixWarm, run: *mixRun, meiliURL: meiliURL, searchKey: searchKey, meili: m})
		}()
	}
	if *n == 0 {
		return nil
	}
	fmt.Println("| path | p50 | p95 | p99 | req/s | errors |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: |")
	var p50s []time.Duration
	for _, p := range paths {
		if p.n == 0 {
			p50s = append(p50s, 0)
			continue
		}
		for _, q := range queries {
			if err := p.fn(q); err != nil {
				return fmt.Errorf("%s: %+v: %w", p.name, q, err)
			}
		}
		lat, errs, elapsed := load(p.fn, *conc, p.n)
		p50s = append(p50s, pct(lat, 50))
		fmt.Printf("| %s | %s | %s | %s | %.0f | %d |\n", p.name, ms(pct(lat, 50)), ms(pct(lat, 95)), ms(pct(lat, 99)),
			float64(len(lat))/elapsed.Seconds(), errs)
	}
	fmt.Printf("\napp p50 / direct p50 = %.2f; app requests answered by the fallback (Meilisearch over the 300 ms deadline or breaker open): %d\n",
		p50s[1].Seconds()/p50s[0].Seconds(), fellBack.Load())
	return nil
}

func values(q search.Query) url.Values {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("q", q.Text)
	set("country", q.Country)
	set("theme", q.Theme)
	set("support", q.Support)
	set("kind", q.Kind)
	set("sort", q.Sort)
	if q.Page > 1 {
		set("page", strconv.Itoa(q.Page))
	}
	return v
}

func do(c *http.Client, req *http.Request) error {
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %d", req.URL, resp.StatusCode)
	}
	return nil
}

// load runs n calls of fn over the query set from conc workers (closed
// loop) and returns each call's latency.
func load(fn func(search.Query) error, conc, n int) ([]time.Duration, int, time.Duration) {
	var next atomic.Int64
	var errs atomic.Int64
	lat := make([]time.Duration, n)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				t := time.Now()
				if err := fn(queries[i%len(queries)]); err != nil {
					errs.Add(1)
				}
				lat[i] = time.Since(t)
			}
		}()
	}
	wg.Wait()
	return lat, int(errs.Load()), time.Since(start)
}

func pct(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// rawIngestion sends the documents the fallback table holds (the same
// documents reindex built) to a fresh index with the same settings, in
// batches of 1000, and times it until Meilisearch has processed them all.
func rawIngestion(ctx context.Context, pool interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, meiliURL, key, index string, settings *meilisearch.Settings) (time.Duration, error) {
	rows, _ := pool.Query(ctx, `SELECT document::text FROM search_documents ORDER BY organisation_id`)
	docs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, err
	}
	c := meilisearch.New(meiliURL, meilisearch.WithAPIKey(key), meilisearch.WithCustomClient(search.HTTPClient()))
	_, _ = c.DeleteIndex(ctx, index)
	start := time.Now()
	t, err := c.CreateIndex(ctx, &meilisearch.IndexConfig{Uid: index, PrimaryKey: "id"})
	if err != nil {
		return 0, err
	}
	if _, err := c.WaitForTask(ctx, t.TaskUID, 25*time.Millisecond); err != nil {
		return 0, err
	}
	t, err = c.Index(index).UpdateSettings(ctx, settings)
	if err != nil {
		return 0, err
	}
	if _, err := c.WaitForTask(ctx, t.TaskUID, 25*time.Millisecond); err != nil {
		return 0, err
	}
	var last int64
	for lo := 0; lo < len(docs); lo += 1000 {
		var buf bytes.Buffer
		for _, d := range docs[lo:min(lo+1000, len(docs))] {
			buf.WriteString(d)
			buf.WriteByte('\n')
		}
		pk := "id"
		t, err := c.Index(index).AddDocumentsNdjson(ctx, buf.Bytes(), &meilisearch.DocumentOptions{PrimaryKey: &pk})
		if err != nil {
			return 0, err
		}
		last = t.TaskUID
	}
	task, err := c.WaitForTask(ctx, last, 50*time.Millisecond)
	if err != nil {
		return 0, err
	}
	if task.Status != meilisearch.TaskStatusSucceeded {
		return 0, fmt.Errorf("raw ingestion task %d: %s %s", task.UID, task.Status, task.Error.Message)
	}
	elapsed := time.Since(start)
	_, _ = c.DeleteIndex(ctx, index)
	return elapsed, nil
}
