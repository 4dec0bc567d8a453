package web_test

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/partnerdir/partnerdir/internal/app/apptest"
)

var (
	exampleBlock = regexp.MustCompile(`(?s)<pre class="api-request"[^>]*><code>(.*?)</code></pre>\s*<pre class="api-response"[^>]*><code>(.*?)</code></pre>`)
	curlTarget   = regexp.MustCompile(`^curl -s '([^']+)'$`)
	quoted       = regexp.MustCompile(`"([^"]*)"`)
	// untranslated is a message id left on the page (openapi.json and
	// /api/v1 are preceded by a letter or a slash).
	untranslated = regexp.MustCompile(`[^/a-z]api\.[a-z_]+`)
)

// The API page, in French and English, lists every operation of the
// contract and shows examples that work: each curl line, run against the
// program with the demo data, answers 200 with every field and every
// quoted value its abbreviated answer shows. The footer links to it.
func TestAPIPageExamplesWork(t *testing.T) {
	t.Parallel()
	a := apptest.New(t, apptest.Setup{})
	apptest.Index(t, a) // the search example finds ECPAT Luxembourg
	h := engine(a)
	doc, _ := loadContract(t)
	for _, lang := range []string{"fr", "en"} {
		rec := get(t, h, "/api", "Accept-Language", lang)
		body := rec.Body.String()
		if rec.Code != http.StatusOK || !strings.Contains(body, `<html lang="`+lang+`">`) {
			t.Fatalf("/api in %s: %d", lang, rec.Code)
		}
		if n := strings.Count(body, "<h1"); n != 1 || !strings.Contains(body, "<main") || !strings.Contains(body, "<nav") {
			t.Errorf("/api in %s: %d h1, main and nav landmarks %v", lang, n, strings.Contains(body, "<main"))
		}
		if m := untranslated.FindString(body); m != "" {
			t.Errorf("/api in %s shows the message id %q", lang, m)
		}
		if strings.Contains(body, "https://cdn") || strings.Contains(body, "//unpkg") {
			t.Errorf("/api in %s loads from a CDN", lang)
		}
		for p := range doc.Paths.Map() {
			if !strings.Contains(body, "<code>GET "+p+"</code>") {
				t.Errorf("/api in %s does not list GET %s", lang, p)
			}
		}
		if !strings.Contains(body, apptest.BaseURL+"/api/v1/openapi.json") {
			t.Errorf("/api in %s does not link the contract", lang)
		}
		blocks := exampleBlock.FindAllStringSubmatch(body, -1)
		if len(blocks) < 5 {
			t.Fatalf("/api in %s shows %d examples, want at least 5", lang, len(blocks))
		}
		for _, b := range blocks {
			m := curlTarget.FindStringSubmatch(html.UnescapeString(b[1]))
			if m == nil || !strings.HasPrefix(m[1], apptest.BaseURL+"/api/v1/") {
				t.Errorf("example %q is not a curl of the API", b[1])
				continue
			}
			target := strings.TrimPrefix(m[1], apptest.BaseURL)
			got := get(t, h, target)
			if got.Code != http.StatusOK {
				t.Errorf("example %s: %d\n%s", target, got.Code, got.Body.String())
				continue
			}
			shown := html.UnescapeString(b[2])
			checked := 0
			for _, q := range quoted.FindAllStringSubmatch(shown, -1) {
				if strings.Contains(q[1], "…") {
					continue // elided
				}
				checked++
				if !strings.Contains(got.Body.String(), `"`+q[1]+`"`) {
					t.Errorf("example %s shows %q, which its answer lacks", target, q[1])
				}
			}
			if checked < 5 {
				t.Errorf("example %s shows only %d fields and values", target, checked)
			}
		}
	}
	if home := get(t, h, "/").Body.String(); !strings.Contains(home, `href="/api"`) {
		t.Error("the footer does not link /api")
	}
}
