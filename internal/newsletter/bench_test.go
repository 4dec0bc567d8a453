package newsletter_test

import (
	"testing"
	"time"
)

// BenchmarkSendDigests10k queues the digest of one period for 10,000
// confirmed subscribers — a third with no choice (every article), a third
// following a theme, a third a country — over 100 articles new in the
// period on top of the demo's: what BENCHMARKS.md reports.
//
//	go test ./internal/newsletter -run '^$' -bench SendDigests10k -benchtime 1x
func BenchmarkSendDigests10k(b *testing.B) {
	f := newFixture(b, noLimits())
	const n = 10000
	f.exec(b, `INSERT INTO newsletter_subscribers (email, status, lang, theme_ids, country_codes, confirmed_at, digest_since)
		SELECT 'reader' || i || '@example.org', 'confirmed', CASE WHEN i % 2 = 0 THEN 'fr' ELSE 'en' END,
			CASE WHEN i % 3 = 1 THEN ARRAY(SELECT id FROM themes ORDER BY id OFFSET i % 5 LIMIT 1) ELSE '{}' END,
			CASE WHEN i % 3 = 2 THEN ARRAY[(ARRAY['ML','NE','SN','LU','BJ'])[1 + i % 5]] ELSE '{}' END,
			now(), now() - interval '1 day'
		FROM generate_series(1, $1) i`, n)
	f.exec(b, `
		WITH o AS (SELECT id, row_number() OVER (ORDER BY id) AS k, count(*) OVER () AS c FROM organisations WHERE status = 'published'),
		a AS (
			INSERT INTO articles (organisation_id, slug, status, published_at, first_published_at)
			SELECT o.id, 'bench-' || i, 'published', now() - interval '2 minutes', now() - interval '1 minute'
			FROM generate_series(1, 100) i JOIN o ON o.k = 1 + i % o.c
			RETURNING id, slug)
		, t AS (INSERT INTO article_translations (article_id, lang, title, lead, body_markdown, body_html)
			SELECT id, 'fr', 'Communiqué ' || slug, 'Un chapô de quelques lignes sur ' || slug || '.', 'Texte.', '<p>Texte.</p>' FROM a)
		, th AS (INSERT INTO article_themes (article_id, theme_id)
			SELECT a.id, (SELECT id FROM themes ORDER BY id OFFSET (a.id % 5) LIMIT 1) FROM a)
		INSERT INTO article_countries (article_id, country_code)
			SELECT a.id, (ARRAY['ML','NE','SN','LU','BJ'])[1 + a.id % 5] FROM a`)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i > 0 {
			b.StopTimer()
			f.exec(b, `DELETE FROM newsletter_digests`)
			f.exec(b, `UPDATE newsletter_subscribers SET digest_since = now() - interval '1 day'`)
			b.StartTimer()
		}
		start := time.Now()
		sent, err := f.store.SendDigests(ctx(), f.now())
		if err != nil {
			b.Fatal(err)
		}
		if sent.Digests != n {
			b.Fatalf("%d digests queued, want %d", sent.Digests, n)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/10k-digests")
	}
}
