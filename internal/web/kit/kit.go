// Package kit is what every handler group of internal/web shares and
// nothing more: rendering (templates, their functions, static files), the
// page base (Base, Page, Account), the form kit (Form, FormReader), the one
// mapping of errors to responses (Fail, FormFailed), query strings, the
// request context's keys and accessors, and the translator. It imports no
// handler group and not internal/web: the route table sits above the
// groups, the groups side by side, the kit below them.
package kit

import (
	"context"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/locale"
)

// Kit renders pages, translates, reads the request context and maps
// errors to responses for every handler group.
type Kit struct {
	log       *slog.Logger
	baseURL   string
	secure    bool
	tr        *locale.Translator
	assets    *assets
	renderer  *renderer
	countries map[string]directory.Country
	// reviewQueue counts the articles waiting for staff (the header's
	// link for staff).
	reviewQueue func(context.Context) (int, error)
}

// Config is what New needs; every field is required.
type Config struct {
	Logger *slog.Logger
	// BaseURL is the site's absolute URL, without a trailing slash.
	BaseURL string
	// Secure says the site is served over https (Secure cookies).
	Secure bool
	// Locale translates the interface.
	Locale *locale.Translator
	// Files is the embedded web/ tree (templates, static, locales).
	Files fs.FS
	// Countries are the reference countries pages name and offer.
	Countries []directory.Country
	// ReviewQueue counts the articles waiting for staff's review, for the
	// header staff see.
	ReviewQueue func(context.Context) (int, error)
}

// New parses every template and hashes every static file.
func New(cfg Config) (*Kit, error) {
	k := &Kit{log: cfg.Logger, baseURL: strings.TrimSuffix(cfg.BaseURL, "/"), secure: cfg.Secure, tr: cfg.Locale,
		countries: make(map[string]directory.Country, len(cfg.Countries)), reviewQueue: cfg.ReviewQueue}
	if k.reviewQueue == nil {
		return nil, fmt.Errorf("web: kit: no ReviewQueue")
	}
	for _, c := range cfg.Countries {
		k.countries[c.Code] = c
	}
	var err error
	if k.assets, err = newAssets(cfg.Files); err != nil {
		return nil, err
	}
	if k.renderer, err = newRenderer(cfg.Files, k.funcs()); err != nil {
		return nil, err
	}
	return k, nil
}

// Translate translates a message id into lang.
func (s *Kit) Translate(lang, id string, data ...any) string { return s.tr.T(lang, id, data...) }

// Count translates id for n things into lang: its plural form and the
// number written the language's way (see Base.Count).
func (s *Kit) Count(lang, id string, n int) string { return s.tr.Count(lang, id, n) }

// BaseURL is the site's absolute URL, without a trailing slash.
func (s *Kit) BaseURL() string { return s.baseURL }

// Secure says the site is served over https.
func (s *Kit) Secure() bool { return s.secure }

// ForgetSession deletes the session cookie from the browser (its session
// has ended on the server).
func (s *Kit) ForgetSession(c *gin.Context) {
	c.SetCookie(SessionCookieName(s.secure), "", -1, "/", "", s.secure, true)
}

// ServeAsset answers a request for a static file under its hashed URL;
// false when there is no such file.
func (s *Kit) ServeAsset(c *gin.Context) bool {
	return s.assets.serve(c.Writer, c.Request, Encoding(c))
}

// Country is the reference country with code.
func (s *Kit) Country(code string) (directory.Country, bool) {
	c, ok := s.countries[code]
	return c, ok
}

// CountryName is the country's name in lang, or code if unknown.
func (s *Kit) CountryName(lang, code string) string {
	if c, ok := s.countries[code]; ok {
		return c.Name(lang)
	}
	return code
}

// CountryOptions are the countries as choices in lang, sorted by name,
// selected ones checked.
func (s *Kit) CountryOptions(lang string, selected []string) []Option {
	out := make([]Option, 0, len(s.countries))
	for code, c := range s.countries {
		out = append(out, Option{Value: code, Label: c.Name(lang), Selected: slices.Contains(selected, code)})
	}
	slices.SortFunc(out, func(a, b Option) int { return strings.Compare(a.Label, b.Label) })
	return out
}

// ThemeOptions are the directory's themes as choices, selected ones
// checked.
func ThemeOptions(c *gin.Context, dir *directory.Store, lang string, selected []string) ([]Option, error) {
	themes, err := dir.Themes(c.Request.Context())
	if err != nil {
		return nil, err
	}
	out := make([]Option, len(themes))
	for i, t := range themes {
		out[i] = Option{Value: t.Slug, Label: t.Name(lang), Selected: slices.Contains(selected, t.Slug)}
	}
	return out, nil
}

func (s *Kit) funcs() template.FuncMap {
	return template.FuncMap{
		"asset":   func(name string) (string, error) { return s.assets.URL(name) },
		"country": s.CountryName,
		"bind":    func(page, item any) map[string]any { return map[string]any{"Page": page, "Item": item} },
		"dict":    dict,
		"hasAccount": func(data any) bool {
			_, ok := data.(interface{ accountPage() })
			return ok
		},
		"add": func(a, b int) int { return a + b },
		"paragraphs": func(s string) []string {
			var out []string
			for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
				if p = strings.TrimSpace(p); p != "" {
					out = append(out, p)
				}
			}
			return out
		},
		"str": func(v any) string { return fmt.Sprint(v) },
		// foreignLang is the language l is shown in on a page in lang when
		// that is the other one (for its lang attribute), else "".
		"foreignLang": func(l directory.Localized, lang string) string {
			if in := l.LangIn(lang); in != lang {
				return in
			}
			return ""
		},
		// identifierScheme names an org-id.guide scheme's label.
		"identifierScheme": func(code string) string {
			if sc, ok := directory.SchemeOf(code); ok {
				return sc.MessageID()
			}
			return code
		},
		"list": func(xs ...string) []string { return xs },
	}
}

// dict builds the argument of a partial that takes named values, key and
// value in turn: {{template "manage-edit" (dict "Page" . "Record" .Office)}}.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("web: dict wants key and value pairs, got %d arguments", len(kv))
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("web: dict key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}
