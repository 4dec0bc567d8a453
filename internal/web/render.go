package web

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
	tr        *locale.Translator
}

// T translates a message id into the page's language.
func (b Base) T(id string, data ...any) string { return b.tr.T(b.Lang, id, data...) }

// SwitchURL is the link that changes the interface language and comes back.
func (b Base) SwitchURL() string {
	return "/lang?to=" + b.Alternate + "&next=" + url.QueryEscape(b.Path)
}

// Date formats t the way the page's language writes dates.
func (b Base) Date(t time.Time) string {
	if b.Lang == "en" {
		return t.Format("2 January 2006")
	}
	months := [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
	return fmt.Sprintf("%d %s %d", t.Day(), months[t.Month()-1], t.Year())
}

// Page is the base of every page that is not cached for everyone: the
// layout's Base and the signed-in Account (with the form token).
type Page struct {
	Base
	Account
}

// page is the base of a page titled titleID (translated with args; ""
// leaves the title to the caller) whose active navigation entry is nav.
// When the session cannot be read it has answered the 500 itself, and ok
// is false.
func (s *kit) page(c *gin.Context, titleID, nav string, args ...any) (p Page, ok bool) {
	acc, err := s.account(c)
	return s.pageOf(c, acc, err, titleID, nav, args)
}

// headerPage is page for a page without forms of its own: it starts no
// session for anonymous visitors (headerAccount).
func (s *kit) headerPage(c *gin.Context, titleID, nav string, args ...any) (p Page, ok bool) {
	acc, err := s.headerAccount(c)
	return s.pageOf(c, acc, err, titleID, nav, args)
}

func (s *kit) pageOf(c *gin.Context, acc Account, err error, titleID, nav string, args []any) (Page, bool) {
	if err != nil {
		s.internalError(c, err)
		return Page{}, false
	}
	title := ""
	if titleID != "" {
		title = s.tr.T(c.GetString(ctxLang), titleID, args...)
	}
	b := s.base(c, title)
	b.Nav = nav
	return Page{Base: b, Account: acc}, true
}

func (s *kit) base(c *gin.Context, title string) Base {
	lang := c.GetString(ctxLang)
	alt := "en"
	if lang == "en" {
		alt = "fr"
	}
	return Base{
		Lang:      lang,
		Alternate: alt,
		Title:     title,
		Canonical: s.baseURL + c.Request.URL.Path,
		Path:      c.Request.URL.RequestURI(),
		RequestID: c.GetString(ctxRequestID),
		tr:        s.tr,
	}
}

// render executes page into a buffer first, so a template error becomes a
// clean 500 instead of half a page.
func (s *kit) render(c *gin.Context, status int, page string, data any) {
	t, ok := s.renderer.pages[page]
	if !ok {
		s.internalError(c, fmt.Errorf("web: no template %q", page))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "base", data); err != nil {
		s.internalError(c, fmt.Errorf("web: render %s: %w", page, err))
		return
	}
	c.Header("Content-Language", c.GetString(ctxLang))
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
	keepPage(c, status, buf.Bytes())
}

// internalError logs err once, in full, and shows the calm error page.
func (s *kit) internalError(c *gin.Context, err error) {
	s.logger(c).Error("request failed", "err", err)
	if c.Writer.Written() {
		return
	}
	s.errorPage(c, http.StatusInternalServerError, "")
}

// ErrorPage is the data of the error page.
type ErrorPage struct {
	Base
	Status int
	Detail string
}

func (s *kit) errorPage(c *gin.Context, status int, detail string) {
	b := s.base(c, s.tr.T(c.GetString(ctxLang), fmt.Sprintf("error.%d.title", status)))
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
