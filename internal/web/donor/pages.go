// Package donor serves the donor's offer form (with its refusal of a
// stale form token, which shows the form again, filled) and the privacy
// notice.
package donor

import (
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/offers"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// Pages are the donor's offer form and the privacy notice.
type Pages struct {
	*kit.Kit
	dir    *directory.Store
	offers *offers.Store
}

// New is the group over k with the stores it uses.
func New(k *kit.Kit, dir *directory.Store, offers *offers.Store) *Pages {
	return &Pages{Kit: k, dir: dir, offers: offers}
}
