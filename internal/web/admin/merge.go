package admin

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// AdminMergePage is the data of the merge of a duplicate: the form naming
// the organisation kept (by slug), then, once it names one that can take
// the duplicate, what the merge moves and the button that does it.
type AdminMergePage struct {
	AdminPage
	// Duplicate is the organisation that goes.
	Duplicate *directory.Profile
	Into      string
	// Preview is what the merge would move, nil until Into is acceptable.
	Preview *directory.MergeResult
}

// ShowMerge answers GET /admin/organisations/:id/merge[?into=slug]: the
// form, and with a target the merge's preview (the merge done and rolled
// back). A refused target redraws the form with the reason (422; 409 for a
// duplicate merged already).
func (s *Pages) ShowMerge(c *gin.Context) {
	id, ok := s.PathID(c, "id")
	if !ok {
		return
	}
	into := strings.TrimSpace(c.Query("into"))
	if into == "" {
		s.renderMerge(c, http.StatusOK, id, AdminMergePage{})
		return
	}
	preview, err := s.dir.PreviewMerge(c.Request.Context(), id, into)
	if err != nil {
		s.mergeFailed(c, id, into, err)
		return
	}
	s.renderMerge(c, http.StatusOK, id, AdminMergePage{Into: into, Preview: preview})
}

// MergeOrganisation answers POST /admin/organisations/:id/merge: the
// duplicate id goes into the organisation of slug "into"; the kept
// organisation's admin page follows, with the confirmation.
func (s *Pages) MergeOrganisation(c *gin.Context) {
	id, ok := s.PathID(c, "id")
	if !ok {
		return
	}
	into := kit.NewFormReader(c).Str("into")
	res, err := s.dir.Merge(c.Request.Context(), s.Actor(c), id, into)
	if err != nil {
		s.mergeFailed(c, id, into, err)
		return
	}
	s.Logger(c).Info("organisations merged", "from_id", res.From.ID, "into_id", res.Into.ID)
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/admin/organisations/%d?done=merged", res.Into.ID))
}

// mergeFailed redraws the form after a refusal; an unknown duplicate is a
// 404.
func (s *Pages) mergeFailed(c *gin.Context, id int64, into string, err error) {
	s.FormFailed(c, err, nil, func(status int, st kit.Form) {
		s.renderMerge(c, status, id, AdminMergePage{AdminPage: AdminPage{Form: st}, Into: into})
	})
}

func (s *Pages) renderMerge(c *gin.Context, status int, id int64, data AdminMergePage) {
	d, err := s.dir.ReviewDetail(c.Request.Context(), id)
	if err != nil {
		s.Fail(c, err)
		return
	}
	lang := kit.Lang(c)
	p, ok := s.adminPage(c, s.Translate(lang, "merge.title", "Name", d.Profile.Name), "organisations")
	if !ok {
		return
	}
	p.Form = data.Form.In(p.Base)
	data.AdminPage, data.Duplicate = p, d.Profile
	if data.Duplicate.Status == directory.StatusMerged && data.Preview == nil && data.Alert == "" {
		data.Alert = s.Translate(lang, fault.Message(directory.ErrAlreadyMerged))
	}
	s.Render(c, status, "admin_merge", data)
}
