// Package web is Partnerdir's HTTP edge: the Gin engine and its one route
// table (routes.go), the middleware (request ids, logging, recovery,
// security headers, limits, sessions, CSRF), health, the page cache,
// static files and the language switch. The handlers live in groups by
// audience, one package each, side by side — public, donor, account,
// manage, inbox, admin, join — each holding only the stores it uses, over
// the kit (internal/web/kit: page base, rendering, forms, the one mapping
// of errors to responses) that they all share. web imports the groups and
// the kit; no group imports another, and the kit imports none of them
// (layout_test.go checks it).
package web

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/importing"
	"github.com/partnerdir/partnerdir/internal/invalidate"
	"github.com/partnerdir/partnerdir/internal/joining"
	"github.com/partnerdir/partnerdir/internal/locale"
	"github.com/partnerdir/partnerdir/internal/news"
	"github.com/partnerdir/partnerdir/internal/newsletter"
	"github.com/partnerdir/partnerdir/internal/offers"
	"github.com/partnerdir/partnerdir/internal/search"
	"github.com/partnerdir/partnerdir/internal/suggestions"
	"github.com/partnerdir/partnerdir/internal/uploads"
	"github.com/partnerdir/partnerdir/internal/web/account"
	"github.com/partnerdir/partnerdir/internal/web/admin"
	"github.com/partnerdir/partnerdir/internal/web/api"
	"github.com/partnerdir/partnerdir/internal/web/donor"
	"github.com/partnerdir/partnerdir/internal/web/exchange"
	"github.com/partnerdir/partnerdir/internal/web/inbox"
	"github.com/partnerdir/partnerdir/internal/web/join"
	"github.com/partnerdir/partnerdir/internal/web/kit"
	"github.com/partnerdir/partnerdir/internal/web/manage"
	newsletterweb "github.com/partnerdir/partnerdir/internal/web/newsletter"
	"github.com/partnerdir/partnerdir/internal/web/public"
	"github.com/partnerdir/partnerdir/internal/web/suggest"
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
// Checks, PageCacheBytes and Changes (required when PageCacheBytes is
// not 0). internal/app fills them.
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
	// UploadDir is the folder for uploaded files (logos, articles'
	// pictures).
	UploadDir string
	// Offers stores donors' support offers.
	Offers *offers.Store
	// Search answers /search (Meilisearch with the PostgreSQL fallback).
	Search *search.Service
	// PageCacheBytes bounds the rendered public pages kept for anonymous
	// visitors (see pageCache); 0 disables the cache.
	PageCacheBytes int64
	// Changes hears of writes made anywhere (internal/invalidate): the
	// page cache serves nothing while it is not live. Required when
	// PageCacheBytes is not 0.
	Changes *invalidate.Listener
	// Joining runs "list your organisation" and claims of unowned
	// organisations.
	Joining *joining.Store
	// News holds partners' articles and their moderation.
	News *news.Store
	// Newsletter keeps the newsletter's subscriptions.
	Newsletter *newsletter.Store
	// APILimit is the per-client rate of the JSON API (zero: 10 a second,
	// bursts of 60).
	APILimit RateLimit
	// Importer imports organisations in bulk (/admin/import).
	Importer *importing.Engine
	// Meter hears every request's duration and every page-cache lookup
	// (the program's metrics, internal/metrics).
	Meter Meter
	// Suggestions keeps visitors' suggestions of a correction.
	Suggestions *suggestions.Store
}

// Server is the route table's side: the middleware's dependencies and the
// handler groups.
type Server struct {
	*kit.Kit
	log       *slog.Logger
	dir       *directory.Store
	checks    []Check
	proxies   []string
	acc       *accounts.Store
	sessions  *accounts.SessionStore
	crossSite *http.CrossOriginProtection
	pages     *pageCache
	// uploads keeps and serves uploaded pictures.
	uploads *uploads.Store
	// searchLimit is the per-client rate of /search.
	searchLimit *clientLimiter
	// apiLimit is the per-client rate of /api/v1.
	apiLimit *clientLimiter

	public   *public.Pages
	donor    *donor.Pages
	accounts *account.Pages
	manage   *manage.Pages
	inbox    *inbox.Pages
	admin    *admin.Pages
	joining  *join.Pages
	// newsletter: the sign-up, its links, one-click unsubscription, staff figures.
	newsletter *newsletterweb.Pages
	// api: the public read API under /api/v1 and its page, /api.
	api *api.Handlers
	// imports: the admins' bulk import of organisations.
	imports *admin.Imports
	// exchange: the HSDS 3.0 API (/api/hsds).
	exchange *exchange.API
	// meter hears request durations and page-cache lookups (metrics.go).
	meter Meter
	// compression compresses answers (compress.go).
	compression *compressor
	// suggest: the public suggestion form and the staff's queue.
	suggest *suggest.Pages
}

// New prepares the server: it parses every template and loads the
// reference data (countries, themes) that pages use.
func New(ctx context.Context, d Deps) (*Server, error) {
	if err := d.check(); err != nil {
		return nil, err
	}
	countries, err := d.Directory.Countries(ctx)
	if err != nil {
		return nil, err
	}
	k, err := kit.New(kit.Config{Logger: d.Logger, BaseURL: d.BaseURL.String(), Secure: d.Secure, Locale: d.Locale,
		Files: d.Files, Countries: countries, ReviewQueue: d.News.CountSubmitted})
	if err != nil {
		return nil, err
	}
	// Uploaded pictures are served under the path article bodies may show
	// images from (the rich-text policy's prefix).
	up, err := uploads.New(d.UploadDir, news.DefaultUploadsPrefix)
	if err != nil {
		return nil, err
	}
	s := &Server{Kit: k, log: d.Logger, dir: d.Directory, checks: d.Checks, proxies: d.TrustedProxies, acc: d.Accounts,
		searchLimit: newClientLimiter(searchRate, searchBurst, searchClients), uploads: up}
	// Cached pages show the directory and the news: a write to either
	// through this process invalidates them at once, one through any
	// other when its notification arrives (the three counters only grow,
	// so their sum changes with each).
	if d.PageCacheBytes > 0 {
		s.pages = newPageCache(d.PageCacheBytes,
			func() uint64 { return d.Directory.Generation() + d.News.Generation() + d.Changes.Generation() }, d.Changes.Live)
	}
	if s.sessions, s.crossSite, err = newSessions(d); err != nil {
		return nil, err
	}
	s.public = public.New(k, d.Directory, d.Joining, d.Search, d.News)
	s.donor = donor.New(k, d.Directory, d.Offers)
	s.accounts = account.New(k, d.Accounts, s.sessions)
	s.manage = manage.New(k, d.Directory, d.Accounts, up, d.News, d.Offers)
	s.inbox = inbox.New(k, d.Directory, d.Accounts, d.Offers, d.News)
	s.admin = admin.New(k, d.Directory, d.Accounts, s.sessions, d.Offers, d.Joining, d.News)
	s.joining = join.New(k, d.Directory, d.Accounts, s.sessions, d.Joining)
	s.newsletter = newsletterweb.New(k, d.Directory, d.Newsletter)
	if s.api, err = api.New(k, d.Files, d.Directory, d.News, d.Search); err != nil {
		return nil, err
	}
	apiLimit := d.APILimit
	if apiLimit.Rate == 0 || apiLimit.Burst == 0 {
		apiLimit = defaultAPILimit
	}
	s.apiLimit = newClientLimiter(apiLimit.Rate, apiLimit.Burst, searchClients)
	s.imports = admin.NewImports(k, d.Importer)
	s.exchange = exchange.New(k, d.Directory)
	s.meter = d.Meter
	if s.compression, err = newCompressor(); err != nil {
		return nil, err
	}
	s.suggest = suggest.New(k, d.Directory, d.Suggestions)
	s.manage.SetSuggestions(d.Suggestions)
	// RFC 8058: a mail client's one-click unsubscription is a POST from
	// elsewhere, authenticated by the link's signature (see routes.go).
	s.crossSite.AddInsecureBypassPattern(oneClickPattern)
	return s, nil
}

// check refuses missing dependencies: every route is always there, so a
// part left out is a construction error, not a hidden page.
func (d Deps) check() error {
	var missing []string
	for name, absent := range map[string]bool{
		"Logger": d.Logger == nil, "BaseURL": d.BaseURL == nil, "Directory": d.Directory == nil,
		"Files": d.Files == nil, "Locale": d.Locale == nil, "Accounts": d.Accounts == nil, "Offers": d.Offers == nil,
		"Search": d.Search == nil, "Joining": d.Joining == nil, "UploadDir": d.UploadDir == "", "News": d.News == nil,
		"Newsletter": d.Newsletter == nil,
		"Importer":   d.Importer == nil,
		"Meter":      d.Meter == nil,
		// Visitors' suggestions of a correction.
		"Suggestions": d.Suggestions == nil,
		"Changes":     d.PageCacheBytes > 0 && d.Changes == nil,
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
