// Package web is Partnerdir's HTTP edge: the Gin engine and its one route
// table (routes.go), the middleware (request ids, logging, recovery,
// security headers, limits, sessions, CSRF), and the handlers in groups by
// audience — public pages, the donor's form, account, manage, inbox, admin,
// joining (groups.go) — each holding only the stores it uses, over a kit
// shared by all of them (page base, rendering, forms, the one mapping of
// errors to responses).
package web

import (
	"context"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/joining"
	"github.com/partnerdir/partnerdir/internal/locale"
	"github.com/partnerdir/partnerdir/internal/offers"
	"github.com/partnerdir/partnerdir/internal/search"
)

// Check reports the state of one dependency for /readyz: nil when up.
type Check struct {
	Name string
	// Required dependencies make /readyz answer 503 when down; optional ones
	// only report "degraded".
	Required bool
	Probe    func(ctx context.Context) error
}

// Deps are what the web layer needs from the rest of the program; all are
// required but SessionKeys, SessionIdle, SessionLifetime, TrustedProxies,
// Checks and PageCache. internal/app fills them.
type Deps struct {
	Logger    *slog.Logger
	BaseURL   *url.URL
	Secure    bool // HSTS and Secure cookies (BASE_URL is https)
	Directory *directory.Store
	Checks    []Check
	// TrustedProxies are the addresses whose X-Forwarded-For is believed;
	// empty means none, so the client address is the TCP peer.
	TrustedProxies []string
	// Files is the embedded web/ tree (templates, static, locales).
	Files fs.FS
	// Locale translates the interface (web/locales).
	Locale *locale.Translator
	// Accounts signs people in.
	Accounts *accounts.Store
	// SessionKeys are alternating authentication and encryption keys for
	// the session cookie, newest pair first. Empty in development: ephemeral
	// keys are made (everyone is signed out at restart).
	SessionKeys [][]byte
	// SessionIdle and SessionLifetime bound sessions (0: 2h idle, 12h
	// absolute).
	SessionIdle, SessionLifetime time.Duration
	// UploadDir is the folder for uploaded files (logos).
	UploadDir string
	// Offers stores donors' support offers.
	Offers *offers.Store
	// Search answers /search (Meilisearch with the PostgreSQL fallback).
	Search *search.Service
	// PageCache is how many rendered public pages to keep for anonymous
	// visitors (see pageCache); 0 disables the cache.
	PageCache int
	// Joining runs "list your organisation" and claims of unowned
	// organisations.
	Joining *joining.Store
}

// Server is the route table's side: the middleware's dependencies and the
// handler groups.
type Server struct {
	*kit
	dir       *directory.Store
	checks    []Check
	proxies   []string
	acc       *accounts.Store
	sessions  *accounts.SessionStore
	crossSite *http.CrossOriginProtection
	pages     *pageCache

	public   *publicPages
	donor    *donorPages
	accounts *accountPages
	manage   *managePages
	inbox    *inboxPages
	admin    *adminPages
	joining  *joiningPages
}

// New prepares the server: it parses every template and loads the
// reference data (countries, themes) that pages use.
func New(ctx context.Context, d Deps) (*Server, error) {
	if err := d.check(); err != nil {
		return nil, err
	}
	k := &kit{log: d.Logger, baseURL: strings.TrimSuffix(d.BaseURL.String(), "/"), secure: d.Secure, tr: d.Locale}
	s := &Server{kit: k, dir: d.Directory, checks: d.Checks, proxies: d.TrustedProxies, acc: d.Accounts}
	s.pages = newPageCache(d.PageCache, d.Directory.Generation)
	var err error
	if s.sessions, s.crossSite, err = newSessions(d); err != nil {
		return nil, err
	}
	if k.assets, err = newAssets(d.Files); err != nil {
		return nil, err
	}
	if k.renderer, err = newRenderer(d.Files, k.funcs()); err != nil {
		return nil, err
	}
	countries, err := d.Directory.Countries(ctx)
	if err != nil {
		return nil, err
	}
	k.countries = make(map[string]directory.Country, len(countries))
	for _, c := range countries {
		k.countries[c.Code] = c
	}
	s.public = &publicPages{kit: k, dir: d.Directory, join: d.Joining, search: d.Search}
	s.donor = &donorPages{kit: k, dir: d.Directory, offers: d.Offers}
	s.accounts = &accountPages{kit: k, acc: d.Accounts, sessions: s.sessions}
	s.manage = &managePages{kit: k, dir: d.Directory, acc: d.Accounts, uploadDir: d.UploadDir}
	s.inbox = &inboxPages{kit: k, dir: d.Directory, acc: d.Accounts, offers: d.Offers}
	s.admin = &adminPages{kit: k, dir: d.Directory, acc: d.Accounts, sessions: s.sessions, offers: d.Offers, join: d.Joining}
	s.joining = &joiningPages{kit: k, dir: d.Directory, acc: d.Accounts, sessions: s.sessions, join: d.Joining}
	return s, nil
}

// check refuses missing dependencies: every route is always there, so a
// part left out is a construction error, not a hidden page.
func (d Deps) check() error {
	var missing []string
	for name, absent := range map[string]bool{
		"Logger": d.Logger == nil, "BaseURL": d.BaseURL == nil, "Directory": d.Directory == nil,
		"Files": d.Files == nil, "Locale": d.Locale == nil, "Accounts": d.Accounts == nil, "Offers": d.Offers == nil,
		"Search": d.Search == nil, "Joining": d.Joining == nil, "UploadDir": d.UploadDir == "",
	} {
		if absent {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return fmt.Errorf("web: missing dependencies: %s", strings.Join(missing, ", "))
	}
	return nil
}

func (s *kit) funcs() template.FuncMap {
	return template.FuncMap{
		"asset": s.assets.URL,
		"country": func(lang, code string) string {
			if c, ok := s.countries[code]; ok {
				return c.Name(lang)
			}
			return code
		},
		"bind": func(page, item any) map[string]any { return map[string]any{"Page": page, "Item": item} },
		"dict": dict,
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
		"str":  func(v any) string { return fmt.Sprint(v) },
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
