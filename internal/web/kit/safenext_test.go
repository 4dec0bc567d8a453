package kit_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// redirectCases are targets a visitor may hand us in ?next= or a form, and
// whether each stays on this site.
var redirectCases = []struct {
	next string
	ok   bool
}{
	{"/", true},
	{"/manage", true},
	{"/organisations?country=ML&theme=child-protection", true},
	{"/search?q=%C3%A9cole+%09", true}, // an encoded tab in the query is text, not part of the address
	{"/organisations/ecpat-luxembourg#offices", true},
	{"", false},
	{"//evil.example", false},
	{"///evil.example", false},
	{"/%09/evil.example", false},
	{"/\t/evil.example", false},
	{"/\n/evil.example", false},
	{"/\r\n/evil.example", false},
	{"/\\evil.example", false},
	{"/%5Cevil.example", false},
	{"/%5cevil.example", false},
	{"\\\\evil.example", false},
	{"https:evil.example", false},
	{"https://evil.example", false},
	{"javascript:alert(1)", false},
	{"%2F%2Fevil.example", false},
	{"/%2F/evil.example", false},
	{"/%2fevil.example", false},
	{"/%0D%0ALocation:%20https://evil.example", false},
	{"/%00", false},
	{"/\x7f", false},
	{"/\xff", false},
	{"evil.example", false},
	{" /manage", false},
	{"/" + strings.Repeat("a", 3000), false},
}

func TestSafeNext(t *testing.T) {
	for _, c := range redirectCases {
		got := kit.SafeNext(c.next)
		if c.ok && got != c.next {
			t.Errorf("SafeNext(%q) = %q, want it kept", c.next, got)
		}
		if !c.ok && got != "" {
			t.Errorf("SafeNext(%q) = %q, want it refused", c.next, got)
		}
	}
}

// FuzzSafeNext: whatever comes in, what SafeNext keeps is a path on this
// site that no browser reads as another host.
func FuzzSafeNext(f *testing.F) {
	for _, c := range redirectCases {
		f.Add(c.next)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := kit.SafeNext(next)
		if got == "" {
			return
		}
		if got != next {
			t.Fatalf("SafeNext(%q) = %q: it keeps or refuses, never rewrites", next, got)
		}
		u, err := url.Parse(got)
		if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
			t.Fatalf("kept %q: parses as %+v (%v)", got, u, err)
		}
		// What a browser does: drop tabs and newlines, read \ as /, then
		// look for an authority.
		browser := strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(u.Path)
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(browser, "//") || strings.HasPrefix(strings.ReplaceAll(got, "\\", "/"), "//") {
			t.Fatalf("kept %q, which a browser may read as another host", got)
		}
	})
}
