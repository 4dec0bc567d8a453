package directory

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Lookalike is a published organisation that may be the one an applicant
// is about to list again (see Lookalikes).
type Lookalike struct {
	Slug string
	Name string
	// SameWebsite says its website is at the same host; otherwise only
	// its name is close.
	SameWebsite bool
}

// maxLookalikes bounds the warning: a handful of candidates, best first.
const maxLookalikes = 5

// websiteHostSQL is the host of organisations.website without "www.",
// lower-cased: the expression of organisations_website_host_idx.
const websiteHostSQL = `regexp_replace(lower(substring(website from '^[A-Za-z][A-Za-z0-9+.-]*://([^/:?#]+)')), '^www\.', '')`

// WebsiteHost is website's host as websiteHostSQL computes it ("" for
// none).
func WebsiteHost(website string) string {
	u, err := url.Parse(strings.TrimSpace(website))
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
}

// Lookalikes returns the published organisations whose name is close to
// name (PostgreSQL pg_trgm similarity of at least 0.4, through the
// names' trigram index) or whose website is at website's host, at most
// five, the same website first, then the closest names.
func (s *Store) Lookalikes(ctx context.Context, name, website string) ([]Lookalike, error) {
	name = strings.TrimSpace(name)
	host := WebsiteHost(website)
	if len([]rune(name)) < 3 && host == "" {
		return nil, nil
	}
	rows, _ := s.pool.Query(ctx, `
		SELECT slug, name, same_website FROM (
			SELECT slug, name, false AS same_website, similarity(name, @name) AS sim FROM organisations
			WHERE status = 'published' AND @name <> '' AND name % @name AND similarity(name, @name) >= 0.4
			UNION ALL
			SELECT slug, name, true, 1 FROM organisations
			WHERE status = 'published' AND @host <> '' AND `+websiteHostSQL+` = @host
		) m
		ORDER BY same_website DESC, sim DESC, name
		LIMIT @limit`, pgx.NamedArgs{"name": name, "host": host, "limit": maxLookalikes * 2})
	found, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Lookalike])
	if err != nil {
		return nil, fmt.Errorf("directory: lookalikes of %q: %w", name, err)
	}
	// One entry per organisation (the same website wins: it came first).
	var out []Lookalike
	seen := map[string]bool{}
	for _, l := range found {
		if !seen[l.Slug] && len(out) < maxLookalikes {
			seen[l.Slug] = true
			out = append(out, l)
		}
	}
	return out, nil
}
