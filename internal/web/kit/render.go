package kit

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/locale"
)

// renderer executes one template set per page (layout + partials + page),
// parsed once at start-up.
type renderer struct {
	pages map[string]*template.Template
}

func newRenderer(fsys fs.FS, funcs template.FuncMap) (*renderer, error) {
	pages, err := fs.Glob(fsys, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	r := &renderer{pages: map[string]*template.Template{}}
	for _, p := range pages {
		name := strings.TrimSuffix(path.Base(p), ".html")
		t, err := template.New(name).Funcs(funcs).ParseFS(fsys, "templates/layouts/*.html", "templates/partials/*.html", p)
		if err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", p, err)
		}
		r.pages[name] = t
	}
	return r, nil
}

// Base is what every page's data carries: language, title and the request
// context the layout needs.
type Base struct {
	Lang        string
	Title       string
	Description string
	// Canonical is the page's absolute URL without tracking parameters.
	Canonical string
	// Path is the request path and query, for the language switcher.
	Path      string
	RequestID string
	Nav       string // the active navigation entry
	// Alternate is the other interface language.
	Alternate string
	// How the page appears to search engines, feed readers and link
	// previews (the layout's head): OGType is its Open Graph type
	// ("website" when empty); Image an absolute URL, described by ImageAlt,
	// for a large preview; JSONLD its schema.org description, JSON-encoded
	// by the layout; Feeds the Atom feeds that follow what it shows.
	OGType   string
	Image    string
	ImageAlt string
	// LargeImage says Image is at least 480 pixels wide: a link preview
	// shows it large (twitter:card summary_large_image), else beside the
	// text (summary).
	LargeImage bool
	JSONLD     any
	Feeds      []FeedLink
	// Bare leaves out the site's header and footer: a reading view.
	Bare bool
	tr   *locale.Translator
}

// FeedLink is an Atom feed a page links to.
type FeedLink struct {
	Title string
	URL   string
}

// T translates a message id into the page's language.
func (b Base) T(id string, data ...any) string { return b.tr.T(b.Lang, id, data...) }

// Count is the sentence id for n things, in the page's language: its
// plural form and the number formatted the language's way. Every count a
// page shows goes through it ({{.Count "list.count" .Page.Total}}).
func (b Base) Count(id string, n int) string { return b.tr.Count(b.Lang, id, n) }

// Number is n formatted the way the page's language writes numbers.
func (b Base) Number(n int) string { return b.tr.Number(b.Lang, n) }

// SwitchURL is the link that changes the interface language and comes back.
func (b Base) SwitchURL() string {
	return "/lang?to=" + b.Alternate + "&next=" + url.QueryEscape(b.Path)
}

// Date formats t the way the page's language writes dates.
func (b Base) Date(t time.Time) string {
	return b.T("date.long", "Day", t.Day(), "Month", b.T(fmt.Sprintf("date.month.%d", t.Month())), "Year", t.Year())
}

// Page is the base of every page that is not cached for everyone: the
// layout's Base and the signed-in Account (with the form token).
type Page struct {
	Base
	Account
}

// Page is the base of a page titled titleID (translated with args; ""
// leaves the title to the caller) whose active navigation entry is nav.
// When the session cannot be read it has answered the 500 itself, and ok
// is false.
func (s *Kit) Page(c *gin.Context, titleID, nav string, args ...any) (p Page, ok bool) {
	acc, err := s.Account(c)
	return s.pageOf(c, acc, err, titleID, nav, args)
}

// HeaderPage is page for a page without forms of its own: it starts no
// Session for anonymous visitors (HeaderAccount).
func (s *Kit) HeaderPage(c *gin.Context, titleID, nav string, args ...any) (p Page, ok bool) {
	acc, err := s.HeaderAccount(c)
	return s.pageOf(c, acc, err, titleID, nav, args)
}

func (s *Kit) pageOf(c *gin.Context, acc Account, err error, titleID, nav string, args []any) (Page, bool) {
	if err != nil {
		s.InternalError(c, err)
		return Page{}, false
	}
	title := ""
	if titleID != "" {
		title = s.Translate(Lang(c), titleID, args...)
	}
	b := s.Base(c, title)
	b.Nav = nav
	return Page{Base: b, Account: acc}, true
}

// Base is the base of a page titled title (already translated), for the
// pages cached for everyone, which carry no Account.
func (s *Kit) Base(c *gin.Context, title string) Base {
	lang := Lang(c)
	alt := "en"
	if lang == "en" {
		alt = "fr"
	}
	return Base{
		Lang:      lang,
		Alternate: alt,
		Title:     title,
		Canonical: s.BaseURL() + c.Request.URL.Path,
		Path:      c.Request.URL.RequestURI(),
		RequestID: RequestID(c),
		tr:        s.tr,
	}
}

// Render executes page into a buffer first, so a template error becomes a
// clean 500 instead of half a page.
func (s *Kit) Render(c *gin.Context, status int, page string, data any) {
	t, ok := s.renderer.pages[page]
	if !ok {
		s.InternalError(c, fmt.Errorf("web: no template %q", page))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "base", data); err != nil {
		s.InternalError(c, fmt.Errorf("web: render %s: %w", page, err))
		return
	}
	c.Header("Content-Language", Lang(c))
	c.Data(status, htmlType, buf.Bytes())
	rendered(c, Answer{Status: status, ContentType: htmlType, Body: buf.Bytes()})
}

// RenderFragment executes the template name of page's set alone (a part
// of the page that a script redraws), into a buffer first as Render does.
func (s *Kit) RenderFragment(c *gin.Context, status int, page, name string, data any) {
	t, ok := s.renderer.pages[page]
	if !ok {
		s.InternalError(c, fmt.Errorf("web: no template %q", page))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		s.InternalError(c, fmt.Errorf("web: render %s of %s: %w", name, page, err))
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// InternalError logs err once, in full, and shows the calm error page.
func (s *Kit) InternalError(c *gin.Context, err error) {
	s.Logger(c).Error("request failed", "err", err)
	if c.Writer.Written() {
		return
	}
	s.RenderError(c, http.StatusInternalServerError, "")
}

// ErrorPage is the data of the error page.
type ErrorPage struct {
	Base
	Status int
	Detail string
}

// RenderError shows the error page with status and detail (already
// translated) and aborts the request.
func (s *Kit) RenderError(c *gin.Context, status int, detail string) {
	b := s.Base(c, s.Translate(Lang(c), fmt.Sprintf("error.%d.title", status)))
	t := s.renderer.pages["error"]
	var buf bytes.Buffer
	if t == nil || t.ExecuteTemplate(&buf, "base", ErrorPage{Base: b, Status: status, Detail: detail}) != nil {
		c.String(status, "%d %s (request %s)", status, http.StatusText(status), b.RequestID)
		c.Abort()
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
	c.Abort()
}
