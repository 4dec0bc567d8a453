// Package admin serves the platform's administration: review of
// organisations, users and roles, claims decided by an admin, donors' data
// requests, and which organisations are trusted to publish news without
// review.
package admin

import (
	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/joining"
	"github.com/partnerdir/partnerdir/internal/news"
	"github.com/partnerdir/partnerdir/internal/offers"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// Pages are the administration's pages.
type Pages struct {
	*kit.Kit
	dir      *directory.Store
	acc      *accounts.Store
	sessions *accounts.SessionStore
	offers   *offers.Store
	join     *joining.Store
	news     *news.Store
}

// New is the group over k with the stores it uses.
func New(k *kit.Kit, dir *directory.Store, acc *accounts.Store, sessions *accounts.SessionStore, offers *offers.Store, join *joining.Store,
	news *news.Store) *Pages {
	return &Pages{Kit: k, dir: dir, acc: acc, sessions: sessions, offers: offers, join: join, news: news}
}
