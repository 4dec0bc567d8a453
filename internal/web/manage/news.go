package manage

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/news"
	"github.com/partnerdir/partnerdir/internal/uploads"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// The organisation's articles under /manage/:org/news. One form writes an
// article, without JavaScript: its buttons say what to do with it (do=):
// preview (render it beside the form, store nothing), upload (store the
// picture chosen for the body and show the Markdown that shows it), save,
// and submit (save, then send to review — or publish, for an organisation
// trusted for news). A cover chosen in the form is stored with any of
// them, and the form keeps its address.

// articleNotices are the confirmations after a redirect (?done=).
var articleNotices = map[string]string{
	"saved":       "newsroom.done.saved",
	"resubmitted": "newsroom.done.resubmitted",
	"submitted":   "newsroom.done.submitted",
	"published":   "newsroom.done.published",
	"withdrawn":   "newsroom.done.withdrawn",
	"deleted":     "newsroom.done.deleted",
}

// ArticlesPage is the data of the organisation's list of articles.
type ArticlesPage struct {
	ManagePage
	Articles []news.Summary
	// Trusted says the organisation publishes without review.
	Trusted bool
	Notice  string
}

// ListArticles answers GET /manage/:org/news.
func (s *Pages) ListArticles(c *gin.Context) {
	s.renderArticles(c, http.StatusOK, kit.Form{})
}

func (s *Pages) renderArticles(c *gin.Context, status int, st kit.Form) {
	mp, ok := s.managePage(c, "newsroom.list.title", "news", st)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	list, err := s.news.ForOrganisation(ctx, mp.Org.ID)
	if err != nil {
		s.Fail(c, err)
		return
	}
	trusted, err := s.news.Trusted(ctx, mp.Org.ID)
	if err != nil {
		s.Fail(c, err)
		return
	}
	p := ArticlesPage{ManagePage: mp, Articles: list, Trusted: trusted}
	if id, ok := articleNotices[c.Query("done")]; ok {
		p.Notice = s.Translate(mp.Lang, id)
	}
	s.Render(c, status, "manage_news", p)
}

// ArticleForm is the data of the article editor.
type ArticleForm struct {
	ManagePage
	// Article is the stored article (nil for a new one).
	Article *news.Article
	// Values are what the form shows: the stored article, or what was
	// posted.
	Values  news.Input
	Version int
	// PublishedDay is the date field's text.
	PublishedDay string
	Action       string
	Trusted      bool
	Themes       []kit.Option
	Countries    []kit.Option
	Projects     []kit.Option
	Offices      []kit.Option
	Members      []kit.Option
	// Preview is the article as it would read, by language, when the
	// editor asked for it (or the stored text of a withdrawn article).
	Preview []kit.ArticleText
	// Snippet is the Markdown of the picture just uploaded for the body,
	// ImageAlt its description as typed.
	Snippet  string
	ImageAlt string
	Notice   string
}

// CoverAlt is the cover's description in lang.
func (p ArticleForm) CoverAlt(lang string) string {
	if lang == "en" {
		return p.Values.CoverAlt.EN
	}
	return p.Values.CoverAlt.FR
}

// Editable says whether the article can still be saved (a withdrawn one
// cannot).
func (p ArticleForm) Editable() bool {
	return p.Article == nil || p.Article.Status != news.StatusWithdrawn
}

// articleDraft is the editor's state between a post and its page.
type articleDraft struct {
	in       news.Input
	version  int
	day      string
	preview  []kit.ArticleText
	snippet  string
	imageAlt string
}

func draftOf(a *news.Article) articleDraft {
	d := articleDraft{in: a.Input(), version: a.Version}
	if a.PublishedAt != nil {
		d.day = a.PublishedAt.UTC().Format(time.DateOnly)
	}
	return d
}

// NewArticle answers GET /manage/:org/news/new.
func (s *Pages) NewArticle(c *gin.Context) {
	s.renderArticle(c, http.StatusOK, nil, articleDraft{}, kit.Form{})
}

// EditArticle answers GET /manage/:org/news/:id.
func (s *Pages) EditArticle(c *gin.Context) {
	a, ok := s.findArticle(c)
	if !ok {
		return
	}
	d := draftOf(a)
	if a.Status == news.StatusWithdrawn {
		d.preview = kit.ArticleTexts(a)
	}
	s.renderArticle(c, http.StatusOK, a, d, kit.Form{})
}

// CreateArticle answers POST /manage/:org/news/new.
func (s *Pages) CreateArticle(c *gin.Context) { s.postArticle(c, nil) }

// UpdateArticle answers POST /manage/:org/news/:id.
func (s *Pages) UpdateArticle(c *gin.Context) {
	if a, ok := s.findArticle(c); ok {
		s.postArticle(c, a)
	}
}

// findArticle is article :id of the managed organisation; another
// organisation's is a 404.
func (s *Pages) findArticle(c *gin.Context) (*news.Article, bool) {
	id, ok := s.PathID(c, "id")
	if !ok {
		return nil, false
	}
	a, err := s.news.OfOrganisation(c.Request.Context(), s.ManagedOrg(c).ID, id)
	if err != nil {
		s.Fail(c, err)
		return nil, false
	}
	return a, true
}

func (s *Pages) renderArticle(c *gin.Context, status int, cur *news.Article, d articleDraft, st kit.Form) {
	title := "newsroom.new.title"
	if cur != nil {
		title = "newsroom.edit.title"
	}
	mp, ok := s.managePage(c, title, "news", st)
	if !ok {
		return
	}
	org := mp.Org
	trusted, err := s.news.Trusted(c.Request.Context(), org.ID)
	if err != nil {
		s.Fail(c, err)
		return
	}
	p := ArticleForm{ManagePage: mp, Article: cur, Values: d.in, Version: d.version, PublishedDay: d.day, Trusted: trusted,
		Action: "/manage/" + org.Slug + "/news/new", Countries: s.CountryOptions(mp.Lang, d.in.Countries),
		Preview: d.preview, Snippet: d.snippet, ImageAlt: d.imageAlt}
	if cur != nil {
		p.Action = fmt.Sprintf("/manage/%s/news/%d", org.Slug, cur.ID)
	}
	if id, ok := articleNotices[c.Query("done")]; ok && status == http.StatusOK {
		p.Notice = s.Translate(mp.Lang, id)
	}
	if p.Themes, err = kit.ThemeOptions(c, s.dir, mp.Lang, d.in.ThemeSlugs); err != nil {
		s.Fail(c, err)
		return
	}
	for _, x := range org.Projects {
		p.Projects = append(p.Projects, idOption(x.ID, x.Title, d.in.ProjectIDs))
	}
	for _, x := range org.Offices {
		p.Offices = append(p.Offices, idOption(x.ID, x.Name+" — "+x.City, d.in.OfficeIDs))
	}
	for _, x := range org.Members {
		label := x.FullName
		if x.RoleTitle != "" {
			label += " — " + x.RoleTitle
		}
		p.Members = append(p.Members, idOption(x.ID, label, d.in.MemberIDs))
	}
	s.Render(c, status, "manage_article", p)
}

func idOption(id int64, label string, selected []int64) kit.Option {
	return kit.Option{Value: strconv.FormatInt(id, 10), Label: label, Selected: slices.Contains(selected, id)}
}

// readArticle reads the posted form. A date the article already shows is
// left out, so that saving the form again does not move its time of
// publication to midnight.
func readArticle(f *kit.FormReader, cur *news.Article) articleDraft {
	d := articleDraft{version: f.Int("version"), day: f.Str("published_at"), imageAlt: f.Str("image_alt")}
	d.in = news.Input{
		FR:         news.Text{Title: f.Str("title_fr"), Lead: f.Raw("lead_fr"), Body: f.Raw("body_fr")},
		EN:         news.Text{Title: f.Str("title_en"), Lead: f.Raw("lead_en"), Body: f.Raw("body_en")},
		CoverPath:  f.Str("cover_path"),
		CoverAlt:   directory.Localized{FR: f.Str("cover_alt_fr"), EN: f.Str("cover_alt_en")},
		ThemeSlugs: f.Strs("themes"), Countries: f.Strs("countries"),
		ProjectIDs: ids(f, "projects"), OfficeIDs: ids(f, "offices"), MemberIDs: ids(f, "members"),
	}
	if f.Bool("cover_remove") {
		d.in.CoverPath = ""
	}
	if day := f.Date("published_at"); day != nil {
		if cur == nil || cur.PublishedAt == nil || cur.PublishedAt.UTC().Format(time.DateOnly) != d.day {
			d.in.PublishedAt = day
		}
	}
	return d
}

// ids are the ids checked in a group of checkboxes.
func ids(f *kit.FormReader, name string) []int64 {
	var out []int64
	for _, v := range f.Strs(name) {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			f.Fail(name, "manage.err.choose_from_the_list")
			continue
		}
		out = append(out, id)
	}
	return out
}

// hasFile reports whether a file was chosen for field.
func hasFile(c *gin.Context, field string) bool {
	fh, err := c.FormFile(field)
	return err == nil && fh.Size > 0
}

// postArticle runs the editor's form for a new article (cur nil) or
// article cur.
func (s *Pages) postArticle(c *gin.Context, cur *news.Article) {
	org := s.ManagedOrg(c)
	f := kit.NewFormReader(c)
	d := readArticle(f, cur)
	var bad fault.Fields
	bad.Merge("", f.Failed())
	images := uploads.ArticleImages()
	do := f.Str("do")
	// A cover is a picture uploaded here for articles, or the one the
	// article already has.
	if p := d.in.CoverPath; p != "" && !s.up.Exists(images, p) && (cur == nil || p != cur.Cover.Path) {
		bad.Add("cover_path", "news.err.cover_path")
	}
	// A cover chosen with this post is stored only when the rest of the
	// form holds (its description above all): checked first with a
	// stand-in address, so a refused form stores nothing.
	coverChosen := hasFile(c, "cover_file")
	if do != "upload" {
		probe := d.in
		if coverChosen {
			probe.CoverPath = s.up.URLDir(images) + "cover-0000000000000000.jpg"
		}
		bad.Merge("", s.news.Check(probe))
	}
	if coverChosen && len(bad) == 0 {
		pic, err := s.savePicture(c, images, "cover_file")
		switch {
		case err == nil:
			d.in.CoverPath = pic.URL
		case !bad.Merge("", err):
			s.Fail(c, err)
			return
		}
	}
	redraw := func(status int) func(int, kit.Form) {
		return func(_ int, st kit.Form) { s.renderArticle(c, status, cur, d, st) }
	}
	show := func(status int) {
		if err := bad.Err(); err != nil {
			s.FormFailed(c, err, f, redraw(status))
			return
		}
		s.renderArticle(c, status, cur, d, kit.Form{})
	}

	switch do {
	case "preview":
		// Rendered as a save would, stored nowhere; what a save would
		// refuse is shown at its field.
		d.preview = s.preview(d.in)
		show(http.StatusOK)
		return
	case "upload":
		if d.imageAlt == "" {
			bad.Add("image_alt", "upload.image.alt")
		} else if pic, err := s.savePicture(c, images, "image_file"); err == nil {
			d.snippet = "![" + markdownText(d.imageAlt) + "](" + pic.URL + ")"
		} else if !bad.Merge("", err) {
			s.Fail(c, err)
			return
		}
		status := http.StatusOK
		if _, refused := bad["image_alt"]; refused || bad["image_file"] != "" {
			status = http.StatusUnprocessableEntity
		}
		show(status)
		return
	}
	if len(bad) > 0 {
		s.FormFailed(c, bad.Err(), f, redraw(http.StatusUnprocessableEntity))
		return
	}
	ctx, actor := c.Request.Context(), s.Actor(c)
	var saved news.Saved
	var err error
	if cur == nil {
		saved, err = s.news.Create(ctx, actor, org.ID, d.in)
	} else {
		saved, err = s.news.Update(ctx, actor, cur.ID, d.version, d.in)
	}
	if err != nil {
		s.FormFailed(c, err, f, func(status int, st kit.Form) {
			if errors.Is(err, news.ErrWrongStatus) {
				st.Conflict = false // not someone else's edit: the alert says why
			}
			s.renderArticle(c, status, cur, d, st)
		})
		return
	}
	done := "saved"
	if cur != nil && cur.Status == news.StatusPublished && saved.Status == news.StatusSubmitted {
		done = "resubmitted"
	}
	if do == "submit" && saved.Status == news.StatusDraft {
		if saved, err = s.news.Submit(ctx, actor, saved.ID); err != nil {
			s.Fail(c, err)
			return
		}
		done = saved.Status
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/manage/%s/news/%d?done=%s", org.Slug, saved.ID, done))
}

// preview renders each language written, as a save would.
func (s *Pages) preview(in news.Input) []kit.ArticleText {
	var out []kit.ArticleText
	for _, x := range []struct {
		lang string
		t    news.Text
	}{{"fr", in.FR}, {"en", in.EN}} {
		if strings.TrimSpace(x.t.Title+x.t.Lead+x.t.Body) == "" {
			continue
		}
		html, _ := s.news.Render(x.t.Body)
		// Render's HTML passed the rich-text allow-list, whatever the text.
		out = append(out, kit.ArticleText{Lang: x.lang, Title: x.t.Title, Lead: x.t.Lead, Body: template.HTML(html)})
	}
	return out
}

// markdownText escapes what would end an image's description early.
func markdownText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.NewReplacer(`\`, `\\`, `[`, `\[`, `]`, `\]`).Replace(s)
}

// SubmitArticle answers POST /manage/:org/news/:id/submit: the draft goes
// to review, or online for a trusted organisation.
func (s *Pages) SubmitArticle(c *gin.Context) {
	s.moveArticle(c, func(a *news.Article) (news.Saved, error) {
		return s.news.Submit(c.Request.Context(), s.Actor(c), a.ID)
	})
}

// WithdrawArticle answers POST /manage/:org/news/:id/withdraw.
func (s *Pages) WithdrawArticle(c *gin.Context) {
	s.moveArticle(c, func(a *news.Article) (news.Saved, error) {
		return s.news.Withdraw(c.Request.Context(), s.Actor(c), a.ID)
	})
}

// DeleteArticle answers POST /manage/:org/news/:id/delete (drafts only).
func (s *Pages) DeleteArticle(c *gin.Context) {
	s.moveArticle(c, func(a *news.Article) (news.Saved, error) {
		return news.Saved{Status: "deleted"}, s.news.Delete(c.Request.Context(), s.Actor(c), a.ID)
	})
}

// moveArticle takes an action on article :id and goes back to the list
// with its confirmation; a refusal is the list again with the reason.
func (s *Pages) moveArticle(c *gin.Context, act func(*news.Article) (news.Saved, error)) {
	a, ok := s.findArticle(c)
	if !ok {
		return
	}
	saved, err := act(a)
	if err != nil {
		s.FormFailed(c, err, nil, func(status int, st kit.Form) {
			st.Conflict = false // the list has no form to reload: the alert says why
			s.renderArticles(c, status, st)
		})
		return
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/manage/%s/news?done=%s", s.ManagedOrg(c).Slug, saved.Status))
}
