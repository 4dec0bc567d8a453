package inbox

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/news"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// Staff's review of partners' articles: the queue of submitted articles,
// the longest waiting first, each with its preview and the decisions —
// approve, send back with a reason (mailed to the author), withdraw a
// published one. The news store checks the rights, the status and the
// version, and audits each decision in its transaction.

// reviewNotices are the confirmations after a decision (?done=).
var reviewNotices = map[string]string{
	news.StatusPublished: "newsroom.review.done.approved",
	news.StatusDraft:     "newsroom.review.done.sent_back",
	news.StatusWithdrawn: "newsroom.review.done.withdrawn",
}

// ReviewQueuePage is the data of /staff/news.
type ReviewQueuePage struct {
	kit.Page
	// Queue are the submitted articles, the longest waiting first.
	Queue []news.Summary
	// Recent are the latest published articles, which staff may withdraw.
	Recent []news.Summary
	Notice string
}

// ListReviewQueue answers GET /staff/news.
func (s *Pages) ListReviewQueue(c *gin.Context) {
	pg, ok := s.Page(c, "newsroom.review.title", "review")
	if !ok {
		return
	}
	ctx := c.Request.Context()
	queue, err := s.news.ReviewQueue(ctx, 200)
	if err != nil {
		s.Fail(c, err)
		return
	}
	recent, err := s.news.Latest(ctx, news.Filter{Limit: 20})
	if err != nil {
		s.Fail(c, err)
		return
	}
	p := ReviewQueuePage{Page: pg, Queue: queue, Recent: recent.Items}
	if id, ok := reviewNotices[c.Query("done")]; ok {
		p.Notice = s.Translate(pg.Lang, id)
	}
	s.Render(c, http.StatusOK, "staff_news", p)
}

// ReviewArticlePage is the data of one article's review page.
type ReviewArticlePage struct {
	kit.Page
	kit.Form
	Article *news.Article
	Texts   []kit.ArticleText
	// Author is the author's name and address ("" once their account is
	// gone).
	Author, AuthorEmail string
	// Reason is the send-back reason as typed, kept when it was refused.
	Reason string
}

// ShowReviewArticle answers GET /staff/news/:id.
func (s *Pages) ShowReviewArticle(c *gin.Context) {
	s.renderReview(c, http.StatusOK, "", kit.Form{})
}

func (s *Pages) renderReview(c *gin.Context, status int, reason string, st kit.Form) {
	id, ok := s.PathID(c, "id")
	if !ok {
		return
	}
	ctx := c.Request.Context()
	a, err := s.news.ByID(ctx, id)
	if err != nil {
		s.Fail(c, err)
		return
	}
	pg, ok := s.Page(c, "newsroom.review.article", "review")
	if !ok {
		return
	}
	pg.Title = a.In(pg.Lang).Title + " — " + pg.Title
	p := ReviewArticlePage{Page: pg, Form: st.In(pg.Base), Article: a, Texts: kit.ArticleTexts(a), Reason: reason}
	if a.AuthorUserID != 0 {
		u, err := s.acc.User(ctx, a.AuthorUserID)
		switch {
		case err == nil:
			p.Author, p.AuthorEmail = u.Name, u.Email
		case fault.KindOf(err) != fault.NotFound:
			s.Fail(c, err)
			return
		}
	}
	s.Render(c, status, "staff_article", p)
}

// ApproveArticle answers POST /staff/news/:id/approve: the article as
// staff read it (its version) goes online.
func (s *Pages) ApproveArticle(c *gin.Context) {
	s.decide(c, func(id int64, f *kit.FormReader) (news.Saved, error) {
		return s.news.Approve(c.Request.Context(), s.Actor(c), id, f.Int("version"))
	})
}

// SendBackArticle answers POST /staff/news/:id/send-back: back to its
// organisation as a draft, with a reason mailed to the author.
func (s *Pages) SendBackArticle(c *gin.Context) {
	s.decide(c, func(id int64, f *kit.FormReader) (news.Saved, error) {
		return s.news.SendBack(c.Request.Context(), s.Actor(c), id, f.Int("version"), f.Raw("reason"))
	})
}

// WithdrawArticle answers POST /staff/news/:id/withdraw: a published
// article leaves the public pages.
func (s *Pages) WithdrawArticle(c *gin.Context) {
	s.decide(c, func(id int64, _ *kit.FormReader) (news.Saved, error) {
		return s.news.Withdraw(c.Request.Context(), s.Actor(c), id)
	})
}

// decide takes a decision on article :id and goes back to the queue with
// its confirmation; a refusal is the article's page again with the reason
// (at the field, or about the whole page).
func (s *Pages) decide(c *gin.Context, act func(id int64, f *kit.FormReader) (news.Saved, error)) {
	id, ok := s.PathID(c, "id")
	if !ok {
		return
	}
	f := kit.NewFormReader(c)
	saved, err := act(id, f)
	if err != nil {
		s.FormFailed(c, err, f, func(status int, st kit.Form) {
			if errors.Is(err, news.ErrWrongStatus) {
				st.Conflict = false // nobody's edit to reload: the alert says why
			}
			s.renderReview(c, status, f.Raw("reason"), st)
		})
		return
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/staff/news?done=%s", saved.Status))
}
