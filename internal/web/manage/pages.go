// Package manage serves an organisation's self-service under
// /manage/:org: profile, offices, team, projects, contacts and routing,
// logo, access, submission for review, and its news (articles, their
// pictures, their submission to staff).
package manage

import (
	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/news"
	"github.com/partnerdir/partnerdir/internal/offers"
	"github.com/partnerdir/partnerdir/internal/suggestions"
	"github.com/partnerdir/partnerdir/internal/uploads"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// Pages are an organisation's self-service pages.
type Pages struct {
	*kit.Kit
	dir  *directory.Store
	acc  *accounts.Store
	up   *uploads.Store // logos and articles' pictures
	news *news.Store
	// offers counts each organisation's new offers on /manage.
	offers *offers.Store
	// sugg holds visitors' suggestions of a correction (SetSuggestions).
	sugg *suggestions.Store
}

// New is the group over k with the stores it uses.
func New(k *kit.Kit, dir *directory.Store, acc *accounts.Store, up *uploads.Store, news *news.Store, offers *offers.Store) *Pages {
	return &Pages{Kit: k, dir: dir, acc: acc, up: up, news: news, offers: offers}
}
