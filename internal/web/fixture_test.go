package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/app"
	"github.com/partnerdir/partnerdir/internal/app/apptest"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/joining"
	"github.com/partnerdir/partnerdir/internal/news"
	"github.com/partnerdir/partnerdir/internal/offers"
	"github.com/partnerdir/partnerdir/internal/pseudonym"
	"github.com/partnerdir/partnerdir/internal/web"
)

// The handler tests serve the program built by the one wiring
// (internal/app, through apptest) over a fresh database holding the demo
// data; none of them starts the job workers, so jobs wait in their tables
// where a test can count them.

// newTestServer returns the real engine.
func newTestServer(t testing.TB) *gin.Engine {
	t.Helper()
	return engine(apptest.New(t, apptest.Setup{}))
}

func engine(a *app.App) *gin.Engine { return a.Handler.(*gin.Engine) }

// fixture is what the handler fixtures share: the engine, its database
// and its accounts.
type fixture struct {
	h    *gin.Engine
	pool *pgxpool.Pool
	acc  *accounts.Store
	ips  pseudonym.Hasher
	app  *app.App
}

func newFixture(a *app.App) fixture {
	return fixture{h: engine(a), pool: a.Pool, acc: a.Accounts, ips: a.Pseudonyms, app: a}
}

// offersFixture is the real engine with the donor's offer form.
type offersFixture struct {
	fixture
	offers *offers.Store
}

func newOffersFixture(t *testing.T) *offersFixture {
	t.Helper()
	limits := offers.DefaultLimits()
	limits.MinFillTime = 0
	a := apptest.New(t, apptest.Setup{Options: app.Options{OfferLimits: &limits}})
	return &offersFixture{fixture: newFixture(a), offers: a.Offers}
}

// accountsFixture is the real engine with the page cache on, for tests of
// accounts, self-service, administration and joining; its directory mails
// review decisions through the outbox, as the program does.
type accountsFixture struct {
	fixture
	dir  *directory.Store
	join *joining.Store
	news *news.Store
}

func newAccountsFixture(t *testing.T, opts ...accounts.Option) *accountsFixture {
	t.Helper()
	a := apptest.New(t, apptest.Setup{Env: map[string]string{"PAGE_CACHE_BYTES": "8MiB"}, Options: app.Options{Accounts: opts}})
	return &accountsFixture{fixture: newFixture(a), dir: a.Directory, join: a.Joining, news: a.News}
}

// count runs a query that returns one number.
func (f *fixture) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// exec runs a statement, for a change made by another process, and waits
// until the change listener has heard of it (as it does within
// milliseconds: TestTwoInstancesInvalidateEachOther measures it).
func (f *fixture) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if _, err := f.pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatal(err)
	}
	apptest.Settle(t, f.app)
}

func (f *fixture) orgID(t *testing.T, slug string) int64 {
	t.Helper()
	return int64(f.count(t, `SELECT id FROM organisations WHERE slug = $1`, slug))
}

const testPassword = "correct horse battery staple"

// user creates a user; org may be "" for none.
func (f *fixture) user(t *testing.T, email, role, org, orgRole string) int64 {
	t.Helper()
	n := accounts.NewUser{Email: email, Name: strings.Split(email, "@")[0], Password: testPassword, Role: role}
	if org != "" {
		n.OrganisationID, n.OrgRole = f.orgID(t, org), orgRole
	}
	id, err := f.acc.CreateUser(context.Background(), audit.System("test"), n)
	if err != nil {
		t.Fatal(err)
	}
	if org != "" {
		apptest.Settle(t, f.app) // a membership shows on the profile (its claim link)
	}
	return id
}

// users creates users with no role and no organisation.
func (f *fixture) users(t *testing.T, emails ...string) {
	t.Helper()
	for _, e := range emails {
		f.user(t, e, "", "", "")
	}
}

// owner makes owner@example.org an owner of ECPAT Luxembourg, the
// organisation most tests edit, and returns the user's id.
func (f *accountsFixture) owner(t *testing.T) int64 {
	t.Helper()
	return f.user(t, "owner@example.org", "", "ecpat-luxembourg", accounts.OrgOwner)
}

// browser is a new visitor of the engine.
func (f *fixture) browser(t *testing.T) *browser {
	return &browser{t: t, h: f.h, cookies: map[string]*http.Cookie{}, header: http.Header{}}
}

// browser keeps cookies and the last form token, like a browser would.
type browser struct {
	t       *testing.T
	h       http.Handler
	cookies map[string]*http.Cookie
	token   string
	// header is added to every request.
	header http.Header
}

var tokenField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func (b *browser) do(req *http.Request) *httptest.ResponseRecorder {
	b.t.Helper()
	for _, c := range b.cookies {
		req.AddCookie(c)
	}
	for k, v := range b.header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	if m := tokenField.FindStringSubmatch(rec.Body.String()); m != nil {
		b.token = m[1]
	}
	return rec
}

func (b *browser) get(path string) *httptest.ResponseRecorder {
	b.t.Helper()
	return b.do(httptest.NewRequest(http.MethodGet, path, nil))
}

// post sends form with the current form token (unless form sets one).
func (b *browser) post(path string, form url.Values, header ...string) *httptest.ResponseRecorder {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form[web.CSRFField]; !ok {
		form.Set(web.CSRFField, b.token)
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return b.do(req)
}

func (b *browser) login(email string) {
	b.t.Helper()
	b.get("/login")
	rec := b.post("/login", url.Values{"email": {email}, "password": {testPassword}})
	if rec.Code != http.StatusSeeOther {
		b.t.Fatalf("login %s: %d\n%s", email, rec.Code, rec.Body.String())
	}
	b.get("/login") // picks up the new session's form token via the redirect target's forms
}

// wantStatus fails the test unless rec has status, and reports each of
// contains the body lacks.
func wantStatus(t *testing.T, rec *httptest.ResponseRecorder, status int, contains ...string) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d\n%s", rec.Code, status, rec.Body.String())
	}
	for _, c := range contains {
		if !strings.Contains(rec.Body.String(), c) {
			t.Errorf("response lacks %q:\n%s", c, rec.Body.String())
		}
	}
}
