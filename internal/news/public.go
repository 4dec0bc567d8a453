package news

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/fault"
)

// Reads behind the public pages that are not lists: what a cached page is
// checked against, whether a missing article was withdrawn, the sitemap.

// Stamp names the state of the article at slug and of its organisation
// (status, version, last change of each), so a cached copy of its page
// is served only while both are what it shows. It returns
// fault.ErrNotFound for an unknown slug.
func (s *Store) Stamp(ctx context.Context, slug string) (string, error) {
	var status, orgStatus string
	var version, orgVersion int
	var updated, orgUpdated time.Time
	err := s.pool.QueryRow(ctx, `
		SELECT a.status, a.version, a.updated_at, o.status, o.version, o.updated_at
		FROM articles a JOIN organisations o ON o.id = a.organisation_id WHERE a.slug = $1`, slug).
		Scan(&status, &version, &updated, &orgStatus, &orgVersion, &orgUpdated)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fault.ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("news: stamp of %q: %w", slug, err)
	}
	return fmt.Sprintf("%s/%d/%d/%s/%d/%d", status, version, updated.UnixMicro(), orgStatus, orgVersion, orgUpdated.UnixMicro()), nil
}

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

// OrganisationStamp names the state of organisation orgID's articles (how
// many, and the last change of any), for the cached profile that lists
// its latest ones.
func (s *Store) OrganisationStamp(ctx context.Context, orgID int64) (string, error) {
	var n int
	var last *time.Time
	err := s.pool.QueryRow(ctx, `SELECT count(*), max(updated_at) FROM articles WHERE organisation_id = $1`, orgID).Scan(&n, &last)
	if err != nil {
		return "", fmt.Errorf("news: stamp of organisation %d: %w", orgID, err)
	}
	if last == nil {
		return "0", nil
	}
	return fmt.Sprintf("%d/%d", n, last.UnixMicro()), nil
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
