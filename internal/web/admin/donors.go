package admin

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/partnerdir/partnerdir/internal/web/kit"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
)

// AdminDonorsPage is the data of the donor data page (GDPR access and
// erasure requests).
type AdminDonorsPage struct {
	kit.Page
	Email  string
	Notice string
	Alert  string
}

func (s *Pages) renderAdminDonors(c *gin.Context, status int, p AdminDonorsPage) {
	var ok bool
	if p.Page, ok = s.Page(c, "admin.donors.title", "admin"); !ok {
		return
	}
	c.Header("Cache-Control", "no-store")
	s.Render(c, status, "admin_donors", p)
}

// ShowAdminDonors answers GET /admin/donors.
func (s *Pages) ShowAdminDonors(c *gin.Context) {
	s.renderAdminDonors(c, http.StatusOK, AdminDonorsPage{})
}

// ExportDonor downloads, as JSON, everything held about an email address.
// It is a POST so the address stays out of URLs and logs.
func (s *Pages) ExportDonor(c *gin.Context) {
	email := c.PostForm("email")
	if !directory.ValidEmail(email) {
		s.renderAdminDonors(c, http.StatusUnprocessableEntity, AdminDonorsPage{Email: email, Alert: s.Translate(kit.Lang(c), "offers.error.email.invalid")})
		return
	}
	x, err := s.offers.ExportDonor(c.Request.Context(), s.Actor(c), email)
	if err != nil {
		s.Fail(c, err)
		return
	}
	b, err := json.MarshalIndent(x, "", "  ")
	if err != nil {
		s.InternalError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="donor-data-%s.json"`, time.Now().UTC().Format("2006-01-02")))
	c.Data(http.StatusOK, "application/json; charset=utf-8", b)
}

// EraseDonor anonymises every offer of an email address once confirmed.
func (s *Pages) EraseDonor(c *gin.Context) {
	lang := kit.Lang(c)
	email := c.PostForm("email")
	if !directory.ValidEmail(email) {
		s.renderAdminDonors(c, http.StatusUnprocessableEntity, AdminDonorsPage{Email: email, Alert: s.Translate(lang, "offers.error.email.invalid")})
		return
	}
	if c.PostForm("confirm") != "yes" {
		s.renderAdminDonors(c, http.StatusUnprocessableEntity, AdminDonorsPage{Email: email, Alert: s.Translate(lang, "admin.donors.confirm_needed")})
		return
	}
	erased, err := s.offers.EraseDonor(c.Request.Context(), s.Actor(c), email)
	if err != nil {
		s.Fail(c, err)
		return
	}
	notice := s.Count(lang, "admin.donors.erased", erased.Offers)
	// The other parts held about the address (a newsletter subscription)
	// say what went, each in its own words: admin.donors.erased.NAME.
	names := slices.Sorted(maps.Keys(erased.Other))
	for _, name := range names {
		if n := erased.Other[name]; n > 0 {
			notice += " " + s.Translate(lang, "admin.donors.erased."+name, "Count", n)
		}
	}
	s.renderAdminDonors(c, http.StatusOK, AdminDonorsPage{Notice: notice})
}
