package web

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/demo"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/jobs"
	"github.com/partnerdir/partnerdir/internal/joining"
	"github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/mail/mailtest"
	"github.com/partnerdir/partnerdir/internal/offers"
	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
	webfiles "github.com/partnerdir/partnerdir/web"
)

// accountsFixture is the real engine with accounts over the demo data.
type accountsFixture struct {
	s    *Server
	h    *gin.Engine
	acc  *accounts.Store
	dir  *directory.Store
	join *joining.Store
	pool *pgxpool.Pool
	// changed counts index jobs the directory enqueued, by organisation.
	changed map[int64]int
}

func newAccountsFixture(t *testing.T, opts ...accounts.Option) *accountsFixture {
	t.Helper()
	ctx := context.Background()
	f := &accountsFixture{pool: pgtest.NewPool(t), changed: map[int64]int{}}
	loader := directory.NewStore(f.pool, nil)
	if _, err := demo.Load(ctx, f.pool, loader); err != nil {
		t.Fatal(err)
	}
	// The hook runs inside the write transaction; recording into a table
	// keeps the count transactional and race-free.
	if _, err := f.pool.Exec(ctx, `CREATE TABLE test_index_jobs (organisation_id bigint)`); err != nil {
		t.Fatal(err)
	}
	f.dir = directory.NewStore(f.pool, func(ctx context.Context, tx pgx.Tx, id int64) error {
		_, err := tx.Exec(ctx, `INSERT INTO test_index_jobs VALUES ($1)`, id)
		return err
	})
	inserter, err := jobs.NewInserter(f.pool)
	if err != nil {
		t.Fatal(err)
	}
	outbox, err := mail.NewOutbox(inserter, "Partnerdir <no-reply@partners.test>", mailtest.Renderer(t))
	if err != nil {
		t.Fatal(err)
	}
	f.acc = accounts.NewStore(f.pool, append([]accounts.Option{accounts.WithFastHashing(),
		accounts.WithMail(outbox, "http://partners.test")}, opts...)...)
	// The offers store too, so every state-changing route of the real
	// engine exists in these tests.
	offerStore, err := offers.NewStore(f.pool, offers.Config{Outbox: outbox, Secret: bytes.Repeat([]byte("k"), 32),
		TriageEmail: "triage@partners.test", BaseURL: "http://partners.test", Limits: offers.DefaultLimits()})
	if err != nil {
		t.Fatal(err)
	}
	// Joining (list your organisation, claims) too, for the same reason.
	f.join = joining.NewStore(f.pool, joining.Config{Directory: f.dir, Accounts: f.acc, Outbox: outbox,
		BaseURL: "http://partners.test"})
	base, _ := url.Parse("http://partners.test")
	s, err := New(ctx, Deps{
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		BaseURL:   base,
		Directory: f.dir,
		Files:     webfiles.FS,
		Accounts:  f.acc,
		Offers:    offerStore,
		UploadDir: t.TempDir(),
		PageCache: 100,
		Joining:   f.join,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.s, f.h = s, s.Handler().(*gin.Engine)
	return f
}

// indexJobs is how many index jobs were enqueued for organisation id.
func (f *accountsFixture) indexJobs(t *testing.T, id int64) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM test_index_jobs WHERE organisation_id = $1`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *accountsFixture) orgID(t *testing.T, slug string) int64 {
	t.Helper()
	var id int64
	if err := f.pool.QueryRow(context.Background(), `SELECT id FROM organisations WHERE slug = $1`, slug).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

const testPassword = "correct horse battery staple"

// user creates a user; org may be "" for none.
func (f *accountsFixture) user(t *testing.T, email, role, org, orgRole string) int64 {
	t.Helper()
	n := accounts.NewUser{Email: email, Name: strings.Split(email, "@")[0], Password: testPassword, Role: role}
	if org != "" {
		n.OrganisationID, n.OrgRole = f.orgID(t, org), orgRole
	}
	id, err := f.acc.CreateUser(context.Background(), audit.System("test"), n)
	if err != nil {
		t.Fatal(err)
	}
	return id
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

func (f *accountsFixture) browser(t *testing.T) *browser {
	return &browser{t: t, h: f.h, cookies: map[string]*http.Cookie{}, header: http.Header{}}
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
	if _, ok := form[csrfField]; !ok {
		form.Set(csrfField, b.token)
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

func TestLoginLogoutAndSessionFixation(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.user(t, "owner@example.org", "", "ecpat-luxembourg", accounts.OrgOwner)
	b := f.browser(t)

	rec := b.get("/login?next=/manage/ecpat-luxembourg")
	wantStatus(t, rec, http.StatusOK, "<h1>Se connecter</h1>", `name="csrf_token"`, `value="/manage/ecpat-luxembourg"`)
	planted := b.cookies[sessionCookie]
	if planted == nil || !planted.HttpOnly || planted.SameSite != http.SameSiteLaxMode || planted.Secure {
		t.Fatalf("session cookie %+v", planted)
	}

	rec = b.post("/login", url.Values{"email": {"owner@example.org"}, "password": {"not the password"}})
	wantStatus(t, rec, http.StatusUnauthorized, "Adresse e-mail ou mot de passe incorrect.", `value="owner@example.org"`)

	rec = b.post("/login", url.Values{"email": {"OWNER@example.org"}, "password": {testPassword}, "next": {"/manage/ecpat-luxembourg"}})
	wantStatus(t, rec, http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); loc != "/manage/ecpat-luxembourg" {
		t.Errorf("redirect to %q", loc)
	}
	if b.cookies[sessionCookie].Value == planted.Value {
		t.Fatal("the session id did not change at login")
	}
	// The cookie from before login is worthless now.
	attacker := f.browser(t)
	attacker.cookies[sessionCookie] = planted
	if rec := attacker.get("/login"); rec.Code != http.StatusOK {
		t.Errorf("pre-login cookie is signed in: %d", rec.Code)
	}
	if rec := b.get("/login"); rec.Code != http.StatusSeeOther {
		t.Errorf("signed-in user sees the login form: %d", rec.Code)
	}

	// An open redirect through next is refused.
	b2 := f.browser(t)
	b2.get("/login")
	rec = b2.post("/login", url.Values{"email": {"owner@example.org"}, "password": {testPassword}, "next": {"//evil.example/x"}})
	if loc := rec.Header().Get("Location"); loc != "/manage" {
		t.Errorf("next=//evil.example redirected to %q", loc)
	}

	// Logout ends the session on the server, not just in the browser.
	cookie := b.cookies[sessionCookie]
	b.get("/manage") // a page with the logout form, for the token
	rec = b.post("/logout", nil)
	wantStatus(t, rec, http.StatusSeeOther)
	replay := f.browser(t)
	replay.cookies[sessionCookie] = cookie
	if rec := replay.get("/login"); rec.Code != http.StatusOK {
		t.Errorf("session cookie still signed in after logout: %d", rec.Code)
	}
}

func TestLoginRateLimitIgnoresForgedForwardedFor(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t, accounts.WithLoginLimits(3, 100, time.Hour))
	f.user(t, "owner@example.org", "", "", "")
	b := f.browser(t)
	b.get("/login")
	for i, xff := range []string{"203.0.113.1", "203.0.113.2", "203.0.113.3"} {
		rec := b.post("/login", url.Values{"email": {"nobody" + xff + "@example.org"}, "password": {"wrong password"}},
			"X-Forwarded-For", xff, "X-Real-IP", xff)
		if rec.Code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i, rec.Code)
		}
	}
	// A fourth address in X-Forwarded-For does not make a new client: the
	// limit is on the TCP peer (httptest's 192.0.2.1), so even the right
	// password is refused with a clear message.
	rec := b.post("/login", url.Values{"email": {"owner@example.org"}, "password": {testPassword}},
		"X-Forwarded-For", "203.0.113.99", "X-Real-IP", "203.0.113.99")
	wantStatus(t, rec, http.StatusTooManyRequests, "Trop de tentatives de connexion")
	var ips []string
	rows, _ := f.pool.Query(context.Background(), `SELECT DISTINCT details->>'ip' FROM audit_log WHERE action = 'user.login_failure'`)
	for rows.Next() {
		var ip string
		_ = rows.Scan(&ip)
		ips = append(ips, ip)
	}
	if len(ips) != 1 || ips[0] != "192.0.2.1" {
		t.Errorf("failures recorded from %v, want only the peer 192.0.2.1", ips)
	}
}

func TestLoginRateLimitPerAccount(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t, accounts.WithLoginLimits(100, 2, time.Hour))
	f.user(t, "owner@example.org", "", "", "")
	b := f.browser(t)
	b.header.Set("Accept-Language", "en")
	b.get("/login")
	for i := 0; i < 2; i++ {
		b.post("/login", url.Values{"email": {"owner@example.org"}, "password": {"wrong password"}})
	}
	rec := b.post("/login", url.Values{"email": {"owner@example.org"}, "password": {testPassword}})
	wantStatus(t, rec, http.StatusTooManyRequests, "Too many sign-in attempts")
}

// lastMail returns the text of the latest mail to address.
func (f *accountsFixture) lastMail(t *testing.T, to string) string {
	t.Helper()
	var text string
	err := f.pool.QueryRow(context.Background(), `SELECT text_body FROM mail_messages WHERE to_email = $1 ORDER BY id DESC LIMIT 1`, to).Scan(&text)
	if err != nil {
		t.Fatalf("no mail to %s: %v", to, err)
	}
	return text
}

var mailLink = regexp.MustCompile(`http://partners\.test(/[a-z/]+\?token=[A-Za-z0-9_%-]+)`)

func TestPasswordResetAndInvitationPages(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.user(t, "owner@example.org", "", "ecpat-luxembourg", accounts.OrgOwner)
	f.user(t, "editor@example.org", "", "ecpat-luxembourg", accounts.OrgEditor)

	b := f.browser(t)
	wantStatus(t, b.get("/login"), http.StatusOK, `href="/password/forgot"`)
	b.get("/password/forgot")
	unknown := b.post("/password/forgot", url.Values{"email": {"ghost@example.org"}})
	known := b.post("/password/forgot", url.Values{"email": {"owner@example.org"}})
	wantStatus(t, known, http.StatusOK, "Si un compte existe pour owner@example.org")
	if strings.ReplaceAll(unknown.Body.String(), "ghost", "owner") != known.Body.String() {
		t.Error("the answer differs for a known and an unknown address")
	}
	m := mailLink.FindStringSubmatch(f.lastMail(t, "owner@example.org"))
	if m == nil {
		t.Fatal("no reset link in the mail")
	}
	rec := b.get(m[1])
	wantStatus(t, rec, http.StatusOK, "Compte : owner@example.org", `name="token"`)
	if rec.Header().Get("Referrer-Policy") != "no-referrer" {
		t.Error("the reset page may leak its token in Referer")
	}
	token := strings.TrimPrefix(m[1], "/password/reset?token=")
	token, _ = url.QueryUnescape(token)
	wantStatus(t, b.post("/password/reset", url.Values{"token": {token}, "password": {"short"}, "password_again": {"short"}}),
		http.StatusUnprocessableEntity, "trop court")
	rec = b.post("/password/reset", url.Values{"token": {token}, "password": {"the brand new passphrase"}, "password_again": {"the brand new passphrase"}})
	wantStatus(t, rec, http.StatusSeeOther)
	wantStatus(t, b.get("/password/reset?token="+url.QueryEscape(token)), http.StatusNotFound, "Ce lien n&#39;est plus valable")
	b.get("/login")
	if rec := b.post("/login", url.Values{"email": {"owner@example.org"}, "password": {"the brand new passphrase"}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("login with the new password: %d", rec.Code)
	}

	// The owner invites a new editor; the editor cannot invite.
	wantStatus(t, b.get("/manage/ecpat-luxembourg/access"), http.StatusOK, "editor@example.org", "Inviter une personne")
	rec = b.post("/manage/ecpat-luxembourg/access", url.Values{"email": {"not-an-email"}, "name": {"Nina"}, "role": {"editor"}})
	wantStatus(t, rec, http.StatusUnprocessableEntity, "Adresse e-mail invalide.", `value="Nina"`)
	rec = b.post("/manage/ecpat-luxembourg/access", url.Values{"email": {"nina@example.org"}, "name": {"Nina"}, "role": {"editor"}})
	wantStatus(t, rec, http.StatusSeeOther)
	wantStatus(t, b.get("/manage/ecpat-luxembourg/access"), http.StatusOK, "nina@example.org", "invitation en attente")
	editor := f.browser(t)
	editor.login("editor@example.org")
	wantStatus(t, editor.get("/manage/ecpat-luxembourg/access"), http.StatusOK)
	if rec := editor.post("/manage/ecpat-luxembourg/access", url.Values{"email": {"x@example.org"}, "name": {"X"}, "role": {"owner"}}); rec.Code != http.StatusForbidden {
		t.Errorf("an editor invited someone: %d", rec.Code)
	}
	m = mailLink.FindStringSubmatch(f.lastMail(t, "nina@example.org"))
	if m == nil || !strings.HasPrefix(m[1], "/invitation?token=") {
		t.Fatalf("invitation mail: %v", m)
	}
	nina := f.browser(t)
	wantStatus(t, nina.get(m[1]), http.StatusOK, "Accepter l&#39;invitation", "nina@example.org")
	itoken, _ := url.QueryUnescape(strings.TrimPrefix(m[1], "/invitation?token="))
	wantStatus(t, nina.post("/invitation", url.Values{"token": {itoken}, "password": {"nina's own passphrase"}, "password_again": {"nina's own passphrase"}}), http.StatusSeeOther)
	nina.get("/login")
	if rec := nina.post("/login", url.Values{"email": {"nina@example.org"}, "password": {"nina's own passphrase"}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("invited editor's login: %d", rec.Code)
	}
	wantStatus(t, nina.get("/manage"), http.StatusOK, "ECPAT Luxembourg")
}

func TestChangePasswordEndsEverySession(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.user(t, "owner@example.org", "", "ecpat-luxembourg", accounts.OrgOwner)
	a, b := f.browser(t), f.browser(t)
	a.login("owner@example.org")
	b.login("owner@example.org")
	a.get("/account/password")
	wantStatus(t, a.post("/account/password", url.Values{"current": {"wrong"}, "password": {"another long passphrase"},
		"password_again": {"another long passphrase"}}), http.StatusUnprocessableEntity, "Le mot de passe actuel est incorrect.")
	wantStatus(t, a.post("/account/password", url.Values{"current": {testPassword}, "password": {"another long passphrase"},
		"password_again": {"another long passphrase"}}), http.StatusSeeOther)
	for name, br := range map[string]*browser{"this browser": a, "the other browser": b} {
		if rec := br.get("/manage"); rec.Code != http.StatusSeeOther {
			t.Errorf("%s is still signed in after the password change: %d", name, rec.Code)
		}
	}
}
