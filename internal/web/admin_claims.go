package web

import (
	"net/http"

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

func (s *adminPages) listClaims(c *gin.Context) {
	done := c.Query("done")
	if done != "approved" && done != "rejected" {
		done = ""
	}
	s.renderClaims(c, http.StatusOK, AdminClaimsPage{Done: done})
}

func (s *adminPages) renderClaims(c *gin.Context, status int, p AdminClaimsPage) {
	var err error
	if p.Claims, err = s.join.PendingClaims(c.Request.Context()); err != nil {
		s.internalError(c, err)
		return
	}
	ap, ok := s.adminPage(c, s.tr.T(c.GetString(ctxLang), "claims.admin.title"), "claims")
	if !ok {
		return
	}
	ap.Alert = p.Alert // a message above the list (already translated)
	p.AdminPage = ap
	s.render(c, status, "admin_claims", p)
}

func (s *adminPages) approveClaim(c *gin.Context) {
	id, ok := s.pathID(c, "id")
	if !ok {
		return
	}
	err := s.join.ApproveClaim(c.Request.Context(), s.actor(c), id)
	if err != nil {
		s.formFailed(c, err, nil, func(status int, st Form) {
			p := AdminClaimsPage{}
			p.Alert = st.Alert
			s.renderClaims(c, status, p)
		})
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/claims?done=approved")
}

func (s *adminPages) rejectClaim(c *gin.Context) {
	id, ok := s.pathID(c, "id")
	if !ok {
		return
	}
	reason := c.PostForm("reason")
	err := s.join.RejectClaim(c.Request.Context(), s.actor(c), id, reason)
	if err != nil {
		s.formFailed(c, err, nil, func(status int, st Form) {
			p := AdminClaimsPage{Failed: id, Reason: reason, ReasonErr: st.Errors["reason"]}
			p.Alert = st.Alert
			s.renderClaims(c, status, p)
		})
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/claims?done=rejected")
}
