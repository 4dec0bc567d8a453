package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
)

// AdminDonorsPage is the data of the donor data page (GDPR access and
// erasure requests).
type AdminDonorsPage struct {
	Page
	Email  string
	Notice string
	Alert  string
}

func (s *adminPages) renderAdminDonors(c *gin.Context, status int, p AdminDonorsPage) {
	var ok bool
	if p.Page, ok = s.page(c, "admin.donors.title", "admin"); !ok {
		return
	}
	c.Header("Cache-Control", "no-store")
	s.render(c, status, "admin_donors", p)
}

func (s *adminPages) showAdminDonors(c *gin.Context) {
	s.renderAdminDonors(c, http.StatusOK, AdminDonorsPage{})
}

// exportDonor downloads, as JSON, everything held about an email address.
// It is a POST so the address stays out of URLs and logs.
func (s *adminPages) exportDonor(c *gin.Context) {
	email := c.PostForm("email")
	if !directory.ValidEmail(email) {
		s.renderAdminDonors(c, http.StatusUnprocessableEntity, AdminDonorsPage{Email: email, Alert: s.tr.T(c.GetString(ctxLang), "offers.error.email.invalid")})
		return
	}
	x, err := s.offers.ExportDonor(c.Request.Context(), s.actor(c), email)
	if err != nil {
		s.fail(c, err)
		return
	}
	b, err := json.MarshalIndent(x, "", "  ")
	if err != nil {
		s.internalError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="donor-data-%s.json"`, time.Now().UTC().Format("2006-01-02")))
	c.Data(http.StatusOK, "application/json; charset=utf-8", b)
}

// eraseDonor anonymises every offer of an email address once confirmed.
func (s *adminPages) eraseDonor(c *gin.Context) {
	lang := c.GetString(ctxLang)
	email := c.PostForm("email")
	if !directory.ValidEmail(email) {
		s.renderAdminDonors(c, http.StatusUnprocessableEntity, AdminDonorsPage{Email: email, Alert: s.tr.T(lang, "offers.error.email.invalid")})
		return
	}
	if c.PostForm("confirm") != "yes" {
		s.renderAdminDonors(c, http.StatusUnprocessableEntity, AdminDonorsPage{Email: email, Alert: s.tr.T(lang, "admin.donors.confirm_needed")})
		return
	}
	n, err := s.offers.EraseDonor(c.Request.Context(), s.actor(c), email)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.renderAdminDonors(c, http.StatusOK, AdminDonorsPage{Notice: s.tr.T(lang, "admin.donors.erased", "Count", n)})
}
