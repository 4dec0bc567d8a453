package news

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Reads behind the public pages that are not lists: whether a missing
// article was withdrawn, the sitemap.

// Withdrawn reports whether the article at slug was published and then
// withdrawn, its organisation still published: the page that was there
// is gone for good (410), where any other missing article is simply not
// found.
func (s *Store) Withdrawn(ctx context.Context, slug string) (bool, error) {
	var gone bool
	err := s.pool.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM articles a JOIN organisations o ON o.id = a.organisation_id
			WHERE a.slug = $1 AND a.status = 'withdrawn' AND o.status = 'published')`, slug).Scan(&gone)
	if err != nil {
		return false, fmt.Errorf("news: withdrawn %q: %w", slug, err)
	}
	return gone, nil
}

// SitemapEntry is a published article's address and last change.
type SitemapEntry struct {
	Slug      string
	UpdatedAt time.Time
}

// Published returns up to limit published articles of published
// organisations with an id above afterID, in id order, and the last id
// returned, for paging through all of them (the sitemap).
func (s *Store) Published(ctx context.Context, afterID int64, limit int) ([]SitemapEntry, int64, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT a.id, a.slug, a.updated_at FROM articles a JOIN organisations o ON o.id = a.organisation_id
		WHERE a.status = 'published' AND o.status = 'published' AND a.id > $1 ORDER BY a.id LIMIT $2`, afterID, limit)
	last := afterID
	var e SitemapEntry
	var out []SitemapEntry
	if _, err := pgx.ForEachRow(rows, []any{&last, &e.Slug, &e.UpdatedAt}, func() error {
		out = append(out, e)
		return nil
	}); err != nil {
		return nil, 0, fmt.Errorf("news: published articles: %w", err)
	}
	return out, last, nil
}

// PublishedCount returns how many articles of published organisations are
// published.
func (s *Store) PublishedCount(ctx context.Context) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM articles a JOIN organisations o ON o.id = a.organisation_id
		WHERE a.status = 'published' AND o.status = 'published'`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("news: count published: %w", err)
	}
	return n, nil
}
