package richtext_test

import (
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/partnerdir/partnerdir/internal/richtext"
)

func policy(t testing.TB) *richtext.Policy {
	t.Helper()
	p, err := richtext.New("/uploads/")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRenderFormatsWhatTheAllowListKeeps(t *testing.T) {
	t.Parallel()
	p := policy(t)
	tests := []struct{ in, want string }{
		{"Bonjour *Bamako* et **Luxembourg**.", "<p>Bonjour <em>Bamako</em> et <strong>Luxembourg</strong>.</p>"},
		{"# Titre", "<h2>Titre</h2>"}, // the page's h1 is the article's title
		{"## Section", "<h2>Section</h2>"},
		{"### Sous-section", "<h3>Sous-section</h3>"},
		{"###### Profond", "<h4>Profond</h4>"},
		{"- un\n- deux", "<ul>\n<li>un</li>\n<li>deux</li>\n</ul>"},
		{"3. trois\n4. quatre", "<ol start=\"3\">\n<li>trois</li>\n<li>quatre</li>\n</ol>"},
		{"> cité", "<blockquote>\n<p>cité</p>\n</blockquote>"},
		{"[ECPAT](https://www.ecpat.lu \"site\")", `<p><a href="https://www.ecpat.lu" title="site" rel="nofollow ugc noopener">ECPAT</a></p>`},
		{"<https://www.ecpat.lu>", `<p><a href="https://www.ecpat.lu" rel="nofollow ugc noopener">https://www.ecpat.lu</a></p>`},
		{"<c.wantz@ecpat.lu>", `<p><a href="mailto:c.wantz@ecpat.lu" rel="nofollow ugc noopener">c.wantz@ecpat.lu</a></p>`},
		{"[écrire](mailto:c.wantz@ecpat.lu)", `<p><a href="mailto:c.wantz@ecpat.lu" rel="nofollow ugc noopener">écrire</a></p>`},
		{"![L'équipe à Bamako](/uploads/news/equipe.png)", `<p><img src="/uploads/news/equipe.png" alt="L&#39;équipe à Bamako"></p>`},
		{"ligne  \nsuivante", "<p>ligne<br>\nsuivante</p>"},
		{"`code` et\n\n```\nbloc\n```", "<p><code>code</code> et</p>\n<pre><code>bloc\n</code></pre>"},
		{"---", "<hr>"},
		// Nesting within the limits.
		{"> - 1. " + strings.Repeat("> ", 7) + "x", "<blockquote>\n<ul>\n<li>\n<ol>\n<li>\n" + strings.Repeat("<blockquote>\n", 7) +
			"<p>x</p>\n" + strings.Repeat("</blockquote>\n", 7) + "</li>\n</ol>\n</li>\n</ul>\n</blockquote>"},
		// Text that looks like markup is text.
		{`5 < 6 & "javascript:" n'est qu'un mot`, "<p>5 &lt; 6 &amp; &#34;javascript:&#34; n&#39;est qu&#39;un mot</p>"},
	}
	for _, tt := range tests {
		got, problems := p.Render(tt.in)
		if got != tt.want || len(problems) != 0 {
			t.Errorf("Render(%q)\n = %q, %v\nwant %q, no problem", tt.in, got, problems, tt.want)
		}
	}
}

// TestRenderRefusesUnsafeInput covers the "Bad input" of issue 12 that
// concerns a body: scripts, javascript: links, event-handler attributes,
// iframes, images from other hosts — each one a problem with its message,
// and none of it in the HTML.
func TestRenderRefusesUnsafeInput(t *testing.T) {
	t.Parallel()
	p := policy(t)
	tests := []struct {
		name, in, problem string
		absent            []string
	}{
		{"script block", "<script>alert(1)</script>", richtext.ProblemHTML, []string{"<script", "alert"}},
		{"inline script", "Bonjour <script>alert(1)</script>", richtext.ProblemHTML, []string{"<script"}},
		{"script in a list", "- <script src=//evil.example/x.js></script>", richtext.ProblemHTML, []string{"<script", "evil"}},
		{"iframe", `<iframe src="https://evil.example"></iframe>`, richtext.ProblemHTML, []string{"<iframe", "evil"}},
		{"event handler", `<img src="/uploads/a.png" onerror="alert(1)">`, richtext.ProblemHTML, []string{"onerror", "alert"}},
		{"inline event handler", `Voir <a href="https://ok.example" onclick="steal()">ici</a>`, richtext.ProblemHTML, []string{"onclick", "steal"}},
		{"style element", "<style>body{display:none}</style>", richtext.ProblemHTML, []string{"<style", "display"}},
		{"html comment", "<!-- caché -->", richtext.ProblemHTML, []string{"<!--", "caché"}},
		{"harmless tag", "<b>gras</b>", richtext.ProblemHTML, []string{"<b>"}},
		{"javascript link", "[clic](javascript:alert(1))", richtext.ProblemLink, []string{"javascript:"}},
		{"upper-case javascript", "[clic](JaVaScRiPt:alert(1))", richtext.ProblemLink, []string{"avascript"}},
		{"entity-encoded javascript", "[clic](jav&#x61;script:alert(1))", richtext.ProblemLink, []string{"script:"}},
		{"javascript autolink", "<javascript:alert(1)>", richtext.ProblemLink, []string{"href"}},
		{"reference javascript link", "[clic]\n\n[clic]: javascript:alert(1)", richtext.ProblemLink, []string{"javascript:"}},
		{"data link", "[clic](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", richtext.ProblemLink, []string{"data:"}},
		{"vbscript link", "[clic](vbscript:msgbox)", richtext.ProblemLink, []string{"vbscript"}},
		{"relative link", "[profil](/organisations/ecpat-luxembourg)", richtext.ProblemLink, []string{"href"}},
		{"protocol-relative link", "[x](//evil.example/)", richtext.ProblemLink, []string{"evil"}},
		{"tab in the scheme", "[x](<java\tscript:alert(1)>)", richtext.ProblemLink, []string{"script:"}},
		{"image from another host", "![chat](https://evil.example/cat.png)", richtext.ProblemImage, []string{"evil", "src="}},
		{"protocol-relative image", "![chat](//evil.example/cat.png)", richtext.ProblemImage, []string{"evil", "src="}},
		{"data image", "![pixel](data:image/png;base64,iVBORw0KGgo=)", richtext.ProblemImage, []string{"data:", "src="}},
		{"javascript image", "![x](javascript:alert(1))", richtext.ProblemImage, []string{"javascript:", "src="}},
		{"image escaping the uploads", "![x](/uploads/../admin/users)", richtext.ProblemImage, []string{"admin"}},
		{"escaped dots", "![x](/uploads/%2e%2e/admin)", richtext.ProblemImage, []string{"admin"}},
		{"hidden file", "![x](/uploads/.env)", richtext.ProblemImage, []string{"env"}},
		{"image with a query", "![x](/uploads/a.png?logout=1)", richtext.ProblemImage, []string{"logout", "src="}},
		{"image without description", "![](/uploads/a.png)", richtext.ProblemImageAlt, nil},
		// Shapes goldmark parses in quadratic time: refused before parsing,
		// so these return at once.
		{"links never closed", strings.Repeat("[a](", 25000), richtext.ProblemTooComplex, []string{"<a"}},
		{"quotes nested on one line", strings.Repeat(">", 100*1024), richtext.ProblemTooComplex, []string{"<blockquote"}},
		{"lists nested on one line", strings.Repeat("1. ", 30000), richtext.ProblemTooComplex, []string{"<ol"}},
		{"quotes and lists", "> - > * > + 1) " + strings.Repeat("> ", 10) + "x", richtext.ProblemTooComplex, nil},
	}
	for _, tt := range tests {
		got, problems := p.Render(tt.in)
		if len(problems) == 0 || problems[0].ID != tt.problem {
			t.Errorf("%s: Render(%q) problems %v, want %s first", tt.name, tt.in, problems, tt.problem)
		}
		for _, a := range tt.absent {
			if strings.Contains(strings.ToLower(got), strings.ToLower(a)) {
				t.Errorf("%s: Render(%q) = %q, which contains %q", tt.name, tt.in, got, a)
			}
		}
		checkSafe(t, p, tt.in, got)
	}
}

func TestNewRefusesAPrefixOutsideTheSite(t *testing.T) {
	t.Parallel()
	for _, prefix := range []string{"", "uploads/", "/uploads", "//cdn.example/", "https://cdn.example/", "/a/../b/"} {
		if _, err := richtext.New(prefix); err == nil {
			t.Errorf("New(%q): no error", prefix)
		}
	}
	p, err := richtext.New("/media/files/")
	if err != nil {
		t.Fatal(err)
	}
	if _, problems := p.Render("![x](/uploads/a.png)"); len(problems) == 0 {
		t.Error("an image outside the configured prefix was accepted")
	}
	if got, problems := p.Render("![x](/media/files/a.png)"); len(problems) != 0 || !strings.Contains(got, `src="/media/files/a.png"`) {
		t.Errorf("an image under the configured prefix: %q, %v", got, problems)
	}
}

// FuzzRenderBody: whatever the text, the HTML has no script, iframe or
// other active element, no event-handler attribute, no link but http,
// https or mailto, and no image outside the uploads prefix. The word
// "javascript:" may appear as text (it is harmless there, and an author
// may write about it); it never appears in an attribute.
func FuzzRenderBody(f *testing.F) {
	for _, s := range []string{
		"Bonjour *Bamako*", "# T\n\n## S\n\n- a\n- b", "[a](https://x.example)", "<https://x.example>", "<a@b.example>",
		"![d](/uploads/a.png)", "<script>alert(1)</script>", "<iframe src=x>", `<img src=x onerror=alert(1)>`,
		"[x](javascript:alert(1))", "[x](jav&#x61;script:alert(1))", "[x](<java\tscript:1>)", "<javascript:alert(1)>",
		"![x](https://evil.example/a.png)", "![x](/uploads/../a)", "[x]\n\n[x]: data:text/html,hi", "<!-- c -->",
		"<svg onload=alert(1)>", "<a href=\"javascript:x\">y</a>", "[x](https://a.example \"t\\\" onmouseover=alert(1)\")",
		"![x\" onerror=\"alert(1)](/uploads/a.png)", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
	} {
		f.Add(s)
	}
	p := policy(f)
	f.Fuzz(func(t *testing.T, in string) {
		out, _ := p.Render(in)
		checkSafe(t, p, in, out)
	})
}

// checkSafe fails t when out, the HTML rendered from in, holds anything the
// allow-list forbids.
func checkSafe(t *testing.T, p *richtext.Policy, in, out string) {
	t.Helper()
	lower := strings.ToLower(out)
	for _, bad := range []string{"<script", "<iframe", "<style", "<object", "<embed", "<svg", "<math", "<form", "<!--"} {
		if strings.Contains(lower, bad) {
			t.Fatalf("Render(%q) = %q: contains %s", in, out, bad)
		}
	}
	allowed := map[string]bool{"p": true, "h2": true, "h3": true, "h4": true, "em": true, "strong": true, "ul": true,
		"ol": true, "li": true, "blockquote": true, "a": true, "img": true, "br": true, "hr": true, "code": true, "pre": true}
	z := html.NewTokenizer(strings.NewReader(out))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		if tt == html.CommentToken || tt == html.DoctypeToken {
			t.Fatalf("Render(%q) = %q: holds a comment or doctype", in, out)
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken && tt != html.EndTagToken {
			continue
		}
		tok := z.Token()
		if !allowed[tok.Data] {
			t.Fatalf("Render(%q) = %q: element %s", in, out, tok.Data)
		}
		for _, a := range tok.Attr {
			v := strings.ToLower(strings.TrimSpace(a.Val))
			switch {
			case strings.HasPrefix(a.Key, "on"):
				t.Fatalf("Render(%q) = %q: event handler %s", in, out, a.Key)
			case strings.Contains(v, "javascript:") || strings.Contains(v, "vbscript:") || strings.HasPrefix(v, "data:"):
				t.Fatalf("Render(%q) = %q: %s=%q", in, out, a.Key, a.Val)
			case a.Key == "href" && !strings.HasPrefix(v, "http://") && !strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "mailto:"):
				t.Fatalf("Render(%q) = %q: link to %q", in, out, a.Val)
			case a.Key == "src" && (tok.Data != "img" || !p.ValidImage(a.Val)):
				t.Fatalf("Render(%q) = %q: image from %q", in, out, a.Val)
			case a.Key == "rel" && a.Val != richtext.LinkRel:
				t.Fatalf("Render(%q) = %q: rel=%q", in, out, a.Val)
			case a.Key != "href" && a.Key != "src" && a.Key != "alt" && a.Key != "title" && a.Key != "rel" && a.Key != "start":
				t.Fatalf("Render(%q) = %q: attribute %s", in, out, a.Key)
			}
		}
		if tok.Data == "a" && tt == html.StartTagToken && attr(tok, "href") != "" && attr(tok, "rel") != richtext.LinkRel {
			t.Fatalf("Render(%q) = %q: a link without rel=%q", in, out, richtext.LinkRel)
		}
	}
}

func attr(t html.Token, key string) string {
	for _, a := range t.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
