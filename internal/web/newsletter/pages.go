// Package newsletter serves the newsletter: the public sign-up form, the
// pages its mailed links open (confirm, unsubscribe — each a button, so a
// mail scanner following a link changes nothing), the RFC 8058 one-click
// unsubscription, and the staff's figures.
package newsletter

import (
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/newsletter"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// Pages are the newsletter's pages.
type Pages struct {
	*kit.Kit
	dir     *directory.Store
	letters *newsletter.Store
}

// New is the group over k with the stores it uses.
func New(k *kit.Kit, dir *directory.Store, letters *newsletter.Store) *Pages {
	return &Pages{Kit: k, dir: dir, letters: letters}
}
