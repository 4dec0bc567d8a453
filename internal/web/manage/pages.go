// Package manage serves an organisation's self-service under
// /manage/:org: profile, offices, team, projects, contacts and routing,
// logo, access, submission for review.
package manage

import (
	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// Pages are an organisation's self-service pages.
type Pages struct {
	*kit.Kit
	dir       *directory.Store
	acc       *accounts.Store
	uploadDir string // the folder for uploaded files (logos)
}

// New is the group over k with the stores it uses.
func New(k *kit.Kit, dir *directory.Store, acc *accounts.Store, uploadDir string) *Pages {
	return &Pages{Kit: k, dir: dir, acc: acc, uploadDir: uploadDir}
}
