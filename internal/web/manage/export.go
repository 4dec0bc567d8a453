package manage

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/hsds"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// ExportHSDS answers GET /manage/:org/export.hsds.json for the
// organisation's owners: its whole record as HSDS 3.0 JSON (hsds.EncodeFull)
// to download, with the private team members and contact points the
// public never sees, each marked private. Editors are refused (403), as
// for the other owners' pages; the route's group has already answered
// everyone else with 404 or the login page, and made it no-store.
func (s *Pages) ExportHSDS(c *gin.Context) {
	if kit.OrgRole(c) != accounts.OrgOwner {
		s.Fail(c, fault.ErrForbidden)
		return
	}
	// The managed profile holds every team member; its contact points come
	// with all of theirs.
	p := *s.ManagedOrg(c)
	contacts, err := s.dir.ContactPoints(c.Request.Context(), p.ID)
	if err != nil {
		s.Fail(c, err)
		return
	}
	p.Contacts = contacts
	body, err := json.MarshalIndent(hsds.EncodeFull(&p), "", "  ")
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="`+p.Slug+`.hsds.json"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/json; charset=utf-8", body)
}
