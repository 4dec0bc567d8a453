package app_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/partnerdir/partnerdir/internal/app/apptest"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/news"
	"github.com/partnerdir/partnerdir/internal/search"
)

// BenchmarkPublishToSearchable measures how long a published article
// takes to be found in Meilisearch: the program as serve runs it (workers,
// the index job's default poll interval, the task wait), an organisation
// trusted for news, one article written and published per iteration, and
// from the commit of the publication the articles index queried every
// 10 ms until it finds the article's own word. It reports the p50, p95 and
// worst delays (BENCHMARKS.md, "Articles in search"):
//
//	go test -run '^$' -bench PublishToSearchable -benchtime 50x ./internal/app/
func BenchmarkPublishToSearchable(b *testing.B) {
	a := apptest.New(b, apptest.Setup{})
	apptest.Index(b, a)
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	if err := a.Start(ctx); err != nil {
		b.Fatal(err)
	}
	sys := audit.System("bench")
	org := orgID(b, a, "ecpat-luxembourg")
	if err := a.News.SetTrusted(ctx, sys, org, true); err != nil {
		b.Fatal(err)
	}
	var delays []time.Duration
	var ids []int64 // the articles published, whose second job (Submit's) is timed
	b.ResetTimer()
	for i := range b.N {
		word := letters(i)
		saved, err := a.News.Create(ctx, sys, org, news.Input{FR: news.Text{Title: "Mesure " + word, Body: "Texte de mesure " + word + "."}})
		if err != nil {
			b.Fatal(err)
		}
		if saved, err = a.News.Submit(ctx, sys, saved.ID); err != nil || saved.Status != news.StatusPublished {
			b.Fatalf("publish: %v %+v", err, saved)
		}
		published := time.Now()
		ids = append(ids, saved.ID)
		q := search.Query{Type: search.TypeNews, Text: word}
		if err := q.Normalize(); err != nil {
			b.Fatal(err)
		}
		for {
			res, err := a.Meili.Search(ctx, q)
			// Other articles may match within a typo; this one must be there.
			if err == nil && slices.ContainsFunc(res.Articles, func(h search.ArticleHit) bool { return h.ID == saved.ID }) {
				break
			}
			if time.Since(published) > time.Minute {
				b.Fatalf("article %d not searchable after a minute (%v)", saved.ID, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
		delays = append(delays, time.Since(published))
	}
	b.StopTimer()
	// Where the time goes: from the publication's commit to a worker
	// taking its job, and the job itself (the task wait included).
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var open bool
		if err := a.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM river_job WHERE kind = 'index_document'
			AND args->>'index' = 'articles' AND (args->>'id')::bigint = ANY($1) AND finalized_at IS NULL)`, ids).Scan(&open); err != nil {
			b.Fatal(err)
		}
		if !open {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("index jobs still running after 30 s")
		}
	}
	var pick, work float64
	if err := a.Pool.QueryRow(ctx, `
		SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM attempted_at - created_at)),
			percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finalized_at - attempted_at))
		FROM (SELECT attempted_at, created_at, finalized_at, row_number() OVER (PARTITION BY args->>'id' ORDER BY id) AS n
			FROM river_job WHERE kind = 'index_document' AND args->>'index' = 'articles' AND (args->>'id')::bigint = ANY($1)) j
		WHERE n = 2`, ids).Scan(&pick, &work); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(pick*1000, "pickup-p50-ms")
	b.ReportMetric(work*1000, "job-p50-ms")
	slices.Sort(delays)
	at := func(p int) float64 {
		return float64(delays[min(len(delays)-1, len(delays)*p/100)].Microseconds()) / 1000
	}
	b.ReportMetric(at(50), "p50-ms")
	b.ReportMetric(at(95), "p95-ms")
	b.ReportMetric(float64(delays[len(delays)-1].Microseconds())/1000, "max-ms")
	b.ReportMetric(0, "ns/op")
}

// letters spells n in the letters a–z from "qx", a word no demo text holds.
func letters(n int) string {
	s := ""
	for {
		s = string(rune('a'+n%26)) + s
		n /= 26
		if n == 0 {
			return "qx" + s + "zv"
		}
	}
}
