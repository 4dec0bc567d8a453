package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/accounts"
)

// SessionsPage is the data of the page listing one's active sessions.
type SessionsPage struct {
	Page
	Sessions []accounts.SessionInfo
	Ended    bool
}

func (s *accountPages) listSessions(c *gin.Context) {
	pg, ok := s.page(c, "account.sessions.title", "account")
	if !ok {
		return
	}
	list, err := s.sessions.UserSessions(c.Request.Context(), pg.User.ID, s.session(c).ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "manage_sessions", SessionsPage{Page: pg, Sessions: list, Ended: c.Query("ended") != ""})
}

// endAllSessions is "sign out everywhere": every session of the user ends,
// this one included.
func (s *accountPages) endAllSessions(c *gin.Context) {
	u := s.currentUser(c)
	if _, err := s.sessions.EndSessions(c.Request.Context(), s.actor(c), u.ID); err != nil {
		s.fail(c, err)
		return
	}
	c.SetCookie(SessionCookie, "", -1, "/", "", s.secure, true)
	c.Redirect(http.StatusSeeOther, "/login?ended=1")
}

// endSession ends one of the user's other sessions.
func (s *accountPages) endSession(c *gin.Context) {
	u := s.currentUser(c)
	err := s.sessions.EndSession(c.Request.Context(), s.actor(c), u.ID, c.Param("key"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/account/sessions?ended=1")
}
