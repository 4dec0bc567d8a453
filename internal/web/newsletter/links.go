package newsletter

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/newsletter"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// LinkPage is the page a mailed link opens: what the button does and the
// button, or why the link cannot be used.
type LinkPage struct {
	kit.Page
	// Action is where the button posts, with the hidden Fields.
	Action string
	Fields []Hidden
	// Body and Submit are message ids.
	Body, Submit string
	// Problem is why the link cannot be used (translated); Again where to
	// start over.
	Problem string
	Again   string
}

// Hidden is a hidden form field.
type Hidden struct{ Name, Value string }

func (s *Pages) linkPage(c *gin.Context, status int, p LinkPage, titleID string) {
	var ok bool
	if p.Page, ok = s.Page(c, titleID, "newsletter"); !ok {
		return
	}
	// The link's secret is in the address: keep it out of Referer headers.
	c.Header("Referrer-Policy", "no-referrer")
	c.Header("Cache-Control", "no-store")
	s.Render(c, status, "newsletter_link", p)
}

// confirmPage is the confirmation page for token after err (nil: usable).
func (s *Pages) confirmPage(c *gin.Context, token string, err error) {
	p := LinkPage{Action: "/newsletter/confirm", Fields: []Hidden{{"token", token}}, Body: "newsletter.confirm.body",
		Submit: "newsletter.confirm.submit"}
	status := http.StatusOK
	switch {
	case err == nil:
	case errors.Is(err, newsletter.ErrLinkInvalid):
		status, p.Problem, p.Again = kit.StatusOf(err), s.Translate(kit.Lang(c), fault.Message(err)), "/newsletter"
	default:
		s.InternalError(c, err)
		return
	}
	s.linkPage(c, status, p, "newsletter.confirm.title")
}

// ShowConfirm answers GET /newsletter/confirm?token=: a button, so that a
// link followed by a mail scanner confirms nothing.
func (s *Pages) ShowConfirm(c *gin.Context) {
	token := c.Query("token")
	s.confirmPage(c, token, s.letters.CheckLink(c.Request.Context(), token))
}

// Confirm answers POST /newsletter/confirm.
func (s *Pages) Confirm(c *gin.Context) {
	token := kit.NewFormReader(c).Raw("token")
	if err := s.letters.Confirm(c.Request.Context(), s.Actor(c), token); err != nil {
		s.confirmPage(c, token, err)
		return
	}
	s.Logger(c).Info("newsletter subscription confirmed")
	s.message(c, http.StatusOK, MessagePage{Body: "newsletter.confirmed.body"}, "newsletter.confirmed.title")
}

// unsubscribeAction is the link's own address, which the page's button
// posts to as a mail client's one-click request would.
func unsubscribeAction(subscriber, sig string) string {
	return "/newsletter/unsubscribe?" + url.Values{"s": {subscriber}, "sig": {sig}}.Encode()
}

// refuseUnsubscribe shows why an unsubscribe link cannot be used.
func (s *Pages) refuseUnsubscribe(c *gin.Context, err error) {
	if !errors.Is(err, newsletter.ErrBadSignature) {
		s.InternalError(c, err)
		return
	}
	s.Logger(c).Warn("unsubscribe link refused", "err", err)
	s.linkPage(c, kit.StatusOf(err), LinkPage{Problem: s.Translate(kit.Lang(c), fault.Message(err))}, "newsletter.unsubscribe.title")
}

// ShowUnsubscribe answers GET /newsletter/unsubscribe?s=&sig=: what
// unsubscribing does and the button; a link that is not its
// subscriber's is refused (403).
func (s *Pages) ShowUnsubscribe(c *gin.Context) {
	sub, sig := c.Query("s"), c.Query("sig")
	if _, err := s.letters.Verify(sub, sig); err != nil {
		s.refuseUnsubscribe(c, err)
		return
	}
	s.linkPage(c, http.StatusOK, LinkPage{Action: unsubscribeAction(sub, sig),
		Fields: []Hidden{{"List-Unsubscribe", "One-Click"}},
		Body:   "newsletter.unsubscribe.body", Submit: "newsletter.unsubscribe.submit"}, "newsletter.unsubscribe.title")
}

// Unsubscribe answers POST /newsletter/unsubscribe?s=&sig= with the body
// List-Unsubscribe=One-Click (RFC 8058): the mail client's one-click
// request, or the page's button. It unsubscribes at once, with no sign-in
// and no form token: the link's signature is what authenticates it (the
// route table exempts exactly this route from both CSRF layers). A link
// that is not its subscriber's is a 403 and changes nothing.
func (s *Pages) Unsubscribe(c *gin.Context) {
	if c.PostForm("List-Unsubscribe") != "One-Click" {
		s.RenderError(c, http.StatusBadRequest, s.Translate(kit.Lang(c), "newsletter.unsubscribe.no_click"))
		return
	}
	if err := s.letters.Unsubscribe(c.Request.Context(), s.Actor(c), c.Query("s"), c.Query("sig")); err != nil {
		s.refuseUnsubscribe(c, err)
		return
	}
	s.Logger(c).Info("newsletter unsubscribed")
	s.message(c, http.StatusOK, MessagePage{Body: "newsletter.unsubscribed.body", More: "newsletter.unsubscribed.again",
		Link: "/newsletter", LinkLabel: "newsletter.invite.link"}, "newsletter.unsubscribed.title")
}
