package account

import (
	"net/http"

	"github.com/partnerdir/partnerdir/internal/web/kit"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/accounts"
)

// SessionsPage is the data of the page listing one's active sessions.
type SessionsPage struct {
	kit.Page
	Sessions []accounts.SessionInfo
	Ended    bool
}

// ListSessions answers GET /account/sessions.
func (s *Pages) ListSessions(c *gin.Context) {
	pg, ok := s.Page(c, "account.sessions.title", "account")
	if !ok {
		return
	}
	list, err := s.sessions.UserSessions(c.Request.Context(), pg.User.ID, s.Session(c).ID)
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.Render(c, http.StatusOK, "manage_sessions", SessionsPage{Page: pg, Sessions: list, Ended: c.Query("ended") != ""})
}

// EndAllSessions is "sign out everywhere": every session of the user ends,
// this one included.
func (s *Pages) EndAllSessions(c *gin.Context) {
	u := s.CurrentUser(c)
	if _, err := s.sessions.EndSessions(c.Request.Context(), s.Actor(c), u.ID); err != nil {
		s.Fail(c, err)
		return
	}
	s.ForgetSession(c)
	c.Redirect(http.StatusSeeOther, "/login?ended=1")
}

// EndSession ends one of the user's other sessions.
func (s *Pages) EndSession(c *gin.Context) {
	u := s.CurrentUser(c)
	err := s.sessions.EndSession(c.Request.Context(), s.Actor(c), u.ID, c.Param("key"))
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/account/sessions?ended=1")
}
