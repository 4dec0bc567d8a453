package admin

import (
	"net/http"

	"github.com/partnerdir/partnerdir/internal/web/kit"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/joining"
)

// AdminClaimsPage is the data of /admin/claims: claims of unowned
// organisations that wait for an admin.
type AdminClaimsPage struct {
	AdminPage
	Claims []joining.Claim
	// Done is "approved" or "rejected" after a decision.
	Done string
	// Failed is the claim whose rejection lacked a reason, and ReasonErr
	// the message shown beside its field.
	Failed    int64
	ReasonErr string
	Reason    string
}

// ListClaims answers GET /admin/claims.
func (s *Pages) ListClaims(c *gin.Context) {
	done := c.Query("done")
	if done != "approved" && done != "rejected" {
		done = ""
	}
	s.renderClaims(c, http.StatusOK, AdminClaimsPage{Done: done})
}

func (s *Pages) renderClaims(c *gin.Context, status int, p AdminClaimsPage) {
	var err error
	if p.Claims, err = s.join.PendingClaims(c.Request.Context()); err != nil {
		s.InternalError(c, err)
		return
	}
	ap, ok := s.adminPage(c, s.Translate(kit.Lang(c), "claims.admin.title"), "claims")
	if !ok {
		return
	}
	ap.Alert = p.Alert // a message above the list (already translated)
	p.AdminPage = ap
	s.Render(c, status, "admin_claims", p)
}

// ApproveClaim answers POST /admin/claims/:id/approve.
func (s *Pages) ApproveClaim(c *gin.Context) {
	id, ok := s.PathID(c, "id")
	if !ok {
		return
	}
	err := s.join.ApproveClaim(c.Request.Context(), s.Actor(c), id)
	if err != nil {
		s.FormFailed(c, err, nil, func(status int, st kit.Form) {
			p := AdminClaimsPage{}
			p.Alert = st.Alert
			s.renderClaims(c, status, p)
		})
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/claims?done=approved")
}

// RejectClaim answers POST /admin/claims/:id/reject.
func (s *Pages) RejectClaim(c *gin.Context) {
	id, ok := s.PathID(c, "id")
	if !ok {
		return
	}
	reason := c.PostForm("reason")
	err := s.join.RejectClaim(c.Request.Context(), s.Actor(c), id, reason)
	if err != nil {
		s.FormFailed(c, err, nil, func(status int, st kit.Form) {
			p := AdminClaimsPage{Failed: id, Reason: reason, ReasonErr: st.Errors["reason"]}
			p.Alert = st.Alert
			s.renderClaims(c, status, p)
		})
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/claims?done=rejected")
}
