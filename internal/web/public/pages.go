// Package public serves the directory as anyone reads it: home, lists,
// country and theme pages, profiles, search, the partners' news (list,
// articles, Atom feeds), sitemaps and robots.txt.
package public

import (
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/joining"
	"github.com/partnerdir/partnerdir/internal/news"
	"github.com/partnerdir/partnerdir/internal/search"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// Pages are the public directory pages.
type Pages struct {
	*kit.Kit
	dir    *directory.Store
	join   *joining.Store // whether a profile can be claimed
	search *search.Service
	// news is the partners' articles: /news, their pages and feeds, and
	// the latest ones on the home page, profiles and theme pages.
	news *news.Store
}

// New is the group over k with the stores it uses.
func New(k *kit.Kit, dir *directory.Store, join *joining.Store, search *search.Service, articles *news.Store) *Pages {
	return &Pages{Kit: k, dir: dir, join: join, search: search, news: articles}
}
