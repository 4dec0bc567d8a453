package web

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// requireMembership lets members (owners and editors) of the organisation
// named by the :org parameter through, with its full profile in the
// context. Anyone else gets 404, the same answer as for an unknown
// organisation, so the pages reveal nothing. Platform staff and admins
// may open any organisation's pages, with two-factor authentication as
// the staff area requires, acting as its owners do: kit.OnPlatform tells
// the pages, and their changes are audited with their role (the History
// shows them as the platform team's).
func (s *Server) requireMembership(c *gin.Context) {
	u := s.CurrentUser(c)
	if u == nil {
		s.requireUser(c)
		return
	}
	slug := c.Param("org")
	if !directory.ValidSlug(slug) {
		s.Fail(c, fault.ErrNotFound)
		return
	}
	ctx := c.Request.Context()
	p, err := s.dir.Profile(ctx, slug, directory.ProfileOptions{Unpublished: true, Private: true})
	if err != nil {
		s.Fail(c, err)
		c.Abort()
		return
	}
	role, err := s.acc.Role(ctx, u.ID, p.ID)
	if errors.Is(err, fault.ErrNotFound) && u.IsStaff() {
		if u.NeedsTwoFactor() {
			c.Redirect(http.StatusSeeOther, "/account/2fa")
			c.Abort()
			return
		}
		role, err = accounts.OrgOwner, nil
		c.Set(kit.CtxPlatform, true)
	}
	if err != nil {
		s.Fail(c, err)
		c.Abort()
		return
	}
	c.Set(kit.CtxOrg, p)
	c.Set(kit.CtxOrgRole, role)
	c.Next()
}

// switchLanguage remembers the chosen interface language for a year and
// returns to the page the visitor was on.
func (s *Server) switchLanguage(c *gin.Context) {
	to := c.Query("to")
	if to != "fr" && to != "en" {
		s.Fail(c, fault.InvalidValue("to", "param.err.lang", to))
		return
	}
	// Only a path on this site: never an open redirect.
	next := kit.SafeNext(c.Query("next"))
	if next == "" {
		next = "/"
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: "lang", Value: to, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.Secure(), SameSite: http.SameSiteLaxMode})
	c.Redirect(http.StatusSeeOther, next)
}

func (s *Server) static(c *gin.Context) {
	if !s.ServeAsset(c) {
		s.Fail(c, fault.ErrNotFound)
	}
}
