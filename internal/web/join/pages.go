// Package join serves listing a new organisation, signing up, and
// claiming an unowned one (by a link mailed to its domain or by an admin's
// approval).
package join

import (
	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/joining"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// Pages are joining's pages: /join, /signup and claims.
type Pages struct {
	*kit.Kit
	dir      *directory.Store
	acc      *accounts.Store
	sessions *accounts.SessionStore
	join     *joining.Store
}

// New is the group over k with the stores it uses.
func New(k *kit.Kit, dir *directory.Store, acc *accounts.Store, sessions *accounts.SessionStore, join *joining.Store) *Pages {
	return &Pages{Kit: k, dir: dir, acc: acc, sessions: sessions, join: join}
}
