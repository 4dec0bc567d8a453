// Package inbox serves the triage of donors' offers, one resource for two
// audiences: platform staff (every offer, /staff) and an organisation's
// members (theirs, /manage/offers); and staff's review of the articles
// partners submit (/staff/news).
package inbox

import (
	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/news"
	"github.com/partnerdir/partnerdir/internal/offers"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// Pages are the offers' inbox and the staff dashboard.
type Pages struct {
	*kit.Kit
	dir    *directory.Store
	acc    *accounts.Store
	offers *offers.Store
	news   *news.Store
}

// New is the group over k with the stores it uses.
func New(k *kit.Kit, dir *directory.Store, acc *accounts.Store, offers *offers.Store, news *news.Store) *Pages {
	return &Pages{Kit: k, dir: dir, acc: acc, offers: offers, news: news}
}
