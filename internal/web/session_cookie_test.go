package web_test

import (
	"net/http"
	"testing"

	"github.com/partnerdir/partnerdir/internal/app/apptest"
	"github.com/partnerdir/partnerdir/internal/web"
)

// signedIn reports whether b's session is still signed in.
func signedIn(b *browser) bool {
	b.t.Helper()
	return b.get("/account/sessions").Code == http.StatusOK
}

// TestSessionCookieNameFollowsTheScheme: over https the session cookie is
// __Host-pd_session (Secure, Path=/, no Domain, as the prefix demands);
// over http it stays pd_session. Signing in, and signing out everywhere,
// work with either.
func TestSessionCookieNameFollowsTheScheme(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		base, name, other string
		secure            bool
	}{
		{"https://partners.test", web.HostSessionCookie, web.SessionCookie, true},
		{"http://partners.test", web.SessionCookie, web.HostSessionCookie, false},
	} {
		t.Run(tc.base, func(t *testing.T) {
			t.Parallel()
			f := newFixture(apptest.New(t, apptest.Setup{Env: map[string]string{"BASE_URL": tc.base}}))
			f.user(t, "u@example.org", "", "", "")
			b := f.browser(t)
			b.login("u@example.org")
			c := b.cookies[tc.name]
			if c == nil || b.cookies[tc.other] != nil {
				t.Fatalf("cookies %v, want %s only", b.cookies, tc.name)
			}
			if c.Secure != tc.secure || c.Path != "/" || c.Domain != "" || !c.HttpOnly {
				t.Errorf("cookie %s: Secure=%v Path=%q Domain=%q HttpOnly=%v", c.Name, c.Secure, c.Path, c.Domain, c.HttpOnly)
			}
			if !signedIn(b) {
				t.Fatal("not signed in")
			}
			rec := b.post("/account/sessions/end-all", nil)
			var deleted bool
			for _, sc := range rec.Result().Cookies() {
				deleted = deleted || sc.Name == tc.name && sc.MaxAge < 0 && sc.Secure == tc.secure && sc.Path == "/"
			}
			if !deleted {
				t.Errorf("sign out everywhere did not delete %s: %v", tc.name, rec.Result().Cookies())
			}
		})
	}
}
