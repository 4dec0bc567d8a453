// Package richtext turns the Markdown people write on the platform (partner
// news today; any long text a domain wants formatted later) into HTML that
// is safe to serve as it is, and says clearly why a text is refused.
//
// The policy is "refuse, then sanitise anyway". Render parses the Markdown
// (CommonMark, github.com/yuin/goldmark, raw HTML never rendered) and
// reports a Problem for everything the allow-list would have to remove —
// HTML typed in the text (scripts, iframes, event-handler attributes, any
// tag), links that are not http, https or mailto, images that are not on
// the platform's own uploads path, images without a description, shapes
// that would make the parser slow (ProblemTooComplex) — so a
// caller refuses the text with a message instead of silently publishing
// something other than what the author wrote. The HTML it returns is
// always passed through github.com/microcosm-cc/bluemonday with an explicit
// allow-list as well: whatever the checks might miss, the stored HTML only
// ever holds p, h2–h4, em, strong, ul, ol, li, blockquote, a (http, https,
// mailto; rel="nofollow ugc noopener"), img (uploads only), br, hr, code
// and pre.
package richtext

import (
	"bytes"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
	xhtml "golang.org/x/net/html"
)

// LinkRel is the rel attribute of every link in rendered text: the
// platform vouches for none of them (nofollow), they are user content
// (ugc), and the target gets no handle on the page (noopener).
const LinkRel = "nofollow ugc noopener"

// The reasons a text is refused, as message ids (web/locales/richtext.*).
const (
	// ProblemHTML: the text contains HTML (a tag, a comment, a script…).
	ProblemHTML = "richtext.err.html"
	// ProblemLink: a link whose address is not http(s) or mailto.
	ProblemLink = "richtext.err.link"
	// ProblemImage: an image that is not on the platform's uploads path.
	ProblemImage = "richtext.err.image"
	// ProblemImageAlt: an image without a description.
	ProblemImageAlt = "richtext.err.image_alt"
	// ProblemTooComplex: quotes or lists nested too deep on one line, or
	// too many brackets on one line — shapes that cost the Markdown parser
	// time growing with the square of their size, and that no article
	// needs. Such a text is refused without being parsed.
	ProblemTooComplex = "richtext.err.too_complex"
)

// Limits of the shapes that make Markdown parsing slow (see
// ProblemTooComplex); far beyond what any article needs.
const (
	MaxNesting         = 10  // quote and list markers at the start of one line
	MaxBracketsPerLine = 200 // "[" on one line (links, images)
)

// Problem is one reason to refuse a text: a message id and the offending
// piece (a tag, an address), shortened, for logs and messages.
type Problem struct {
	ID    string
	Value string
}

// Policy renders Markdown under one allow-list. It is safe for concurrent
// use.
type Policy struct {
	md        goldmark.Markdown
	sanitiser *bluemonday.Policy
	prefix    string
	imageSrc  *regexp.Regexp
}

// imagePath is what may follow the uploads prefix in an image address:
// segments of plain characters that do not start with a dot (so no "..",
// no hidden file), no escapes (no "%2e%2e" either), no query, no fragment.
const imagePath = `[A-Za-z0-9_~-][A-Za-z0-9._~-]*(?:/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*`

// New returns a policy that accepts images under uploadsPrefix only, a
// path of the platform's own site such as "/uploads/".
func New(uploadsPrefix string) (*Policy, error) {
	if !strings.HasPrefix(uploadsPrefix, "/") || !strings.HasSuffix(uploadsPrefix, "/") ||
		strings.HasPrefix(uploadsPrefix, "//") || strings.Contains(uploadsPrefix, "..") {
		return nil, fmt.Errorf("richtext: uploads prefix %q: want a site path such as /uploads/", uploadsPrefix)
	}
	src := regexp.MustCompile(`^` + regexp.QuoteMeta(uploadsPrefix) + imagePath + `$`)

	s := bluemonday.NewPolicy()
	s.AllowElements("p", "h2", "h3", "h4", "em", "strong", "ul", "li", "blockquote", "br", "hr", "code", "pre")
	s.AllowAttrs("start").Matching(regexp.MustCompile(`^[0-9]{1,9}$`)).OnElements("ol")
	s.AllowElements("ol")
	s.AllowURLSchemes("http", "https", "mailto")
	// Relative addresses are for images on the uploads path only; links
	// must say their scheme.
	s.AllowRelativeURLs(true)
	s.AllowAttrs("href").Matching(regexp.MustCompile(`(?i)^(https?://[^/?#\s]|mailto:)`)).OnElements("a")
	s.AllowAttrs("title").OnElements("a", "img")
	s.AllowAttrs("rel").Matching(regexp.MustCompile(`^` + LinkRel + `$`)).OnElements("a")
	s.RequireNoFollowOnLinks(true)
	s.AllowAttrs("src").Matching(src).OnElements("img")
	s.AllowAttrs("alt").OnElements("img")

	return &Policy{
		md:        goldmark.New(), // CommonMark; raw HTML is left out unless html.WithUnsafe
		sanitiser: s,
		prefix:    uploadsPrefix,
		imageSrc:  src,
	}, nil
}

// UploadsPrefix is the path images must be under.
func (p *Policy) UploadsPrefix() string { return p.prefix }

// ValidImage reports whether src may be shown as an image: a plain path
// under the uploads prefix, without "..", escapes, a query or a fragment.
func (p *Policy) ValidImage(src string) bool { return p.imageSrc.MatchString(src) }

// Render turns Markdown into HTML: headings are kept between h2 and h4 (a
// page's h1 is its title), links get rel="nofollow ugc noopener", and the
// result is sanitised. The problems say what a caller should refuse the
// text for, in the order met; the HTML is safe to serve either way.
func (p *Policy) Render(markdown string) (string, []Problem) {
	if line, ok := tooComplex(markdown); ok {
		return "", []Problem{{ID: ProblemTooComplex, Value: shorten(line)}}
	}
	src := []byte(markdown)
	doc := p.md.Parser().Parse(text.NewReader(src))
	var problems []Problem
	report := func(id, value string) {
		for _, q := range problems {
			if q.ID == id {
				return
			}
		}
		problems = append(problems, Problem{ID: id, Value: shorten(value)})
	}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Heading:
			n.Level = min(max(n.Level, 2), 4)
		case *ast.HTMLBlock:
			report(ProblemHTML, lines(n, src))
		case *ast.RawHTML:
			report(ProblemHTML, segments(n.Segments, src))
		case *ast.Link:
			// What the renderer writes: entities and escapes resolved.
			if dest := string(util.URLEscape(n.Destination, true)); !validLink(dest) {
				report(ProblemLink, dest)
			}
			n.SetAttributeString("rel", LinkRel)
		case *ast.AutoLink:
			dest := string(n.URL(src))
			if n.AutoLinkType == ast.AutoLinkEmail && !strings.HasPrefix(strings.ToLower(dest), "mailto:") {
				dest = "mailto:" + dest
			}
			if !validLink(string(util.URLEscape([]byte(dest), false))) {
				report(ProblemLink, dest)
			}
			n.SetAttributeString("rel", LinkRel)
		case *ast.Image:
			if dest := string(util.URLEscape(n.Destination, true)); !p.ValidImage(dest) {
				report(ProblemImage, dest)
			}
			if strings.TrimSpace(plainText(n, src)) == "" {
				report(ProblemImageAlt, string(n.Destination))
			}
		}
		return ast.WalkContinue, nil
	})
	var out bytes.Buffer
	if err := p.md.Renderer().Render(&out, src, doc); err != nil {
		// The HTML renderer writes to memory and fails on nothing the
		// parser produced; refuse the text rather than serve half of it.
		return "", append(problems, Problem{ID: ProblemHTML, Value: err.Error()})
	}
	return strings.TrimSpace(p.sanitiser.Sanitize(out.String())), problems
}

// tooComplex returns the first line of markdown past MaxNesting or
// MaxBracketsPerLine. goldmark's parser (v1.8) takes quadratic time on a
// line that opens many links it never closes ("[a](" repeated) or nests
// containers on one line ("> > >…", "1. 1. 1. …"): at 100 KB, tens of
// seconds of CPU. Those shapes are refused before parsing.
func tooComplex(markdown string) (string, bool) {
	for line := range strings.Lines(markdown) {
		if strings.Count(line, "[") > MaxBracketsPerLine || nesting(line) > MaxNesting {
			return line, true
		}
	}
	return "", false
}

// nesting counts the block quote and list markers that open line.
func nesting(line string) int {
	n, i := 0, 0
	blank := func(j int) bool { return j < len(line) && (line[j] == ' ' || line[j] == '\t') }
	for {
		for blank(i) {
			i++
		}
		if i >= len(line) {
			return n
		}
		switch c := line[i]; {
		case c == '>':
			i++
		case (c == '-' || c == '*' || c == '+') && blank(i+1):
			i += 2
		case c >= '0' && c <= '9':
			j := i
			for j < len(line) && j-i < 9 && line[j] >= '0' && line[j] <= '9' {
				j++
			}
			if j >= len(line) || (line[j] != '.' && line[j] != ')') || !blank(j+1) {
				return n
			}
			i = j + 2
		default:
			return n
		}
		n++
	}
}

// validLink reports whether a link address is absolute http(s) with a
// host, or mailto with an address.
func validLink(dest string) bool {
	u, err := url.Parse(dest)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return u.Host != "" && strings.HasPrefix(strings.ToLower(dest), strings.ToLower(u.Scheme)+"://")
	case "mailto":
		return len(dest) > len("mailto:")
	}
	return false
}

// plainText is the text inside n (an image's description).
func plainText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if t, ok := c.(*ast.Text); ok && entering {
			b.Write(t.Segment.Value(src))
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

func lines(n ast.Node, src []byte) string {
	ls := n.Lines()
	if ls.Len() == 0 {
		return ""
	}
	first := ls.At(0)
	return string(first.Value(src))
}

func segments(s *text.Segments, src []byte) string {
	if s.Len() == 0 {
		return ""
	}
	first := s.At(0)
	return string(first.Value(src))
}

// shorten keeps the first 80 characters of s on one line.
func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= 80 {
		return s
	}
	return string([]rune(s)[:79]) + "…"
}

// blocks are the elements of rendered text that end a line of their own.
var blocks = map[string]bool{"p": true, "h2": true, "h3": true, "h4": true, "li": true, "blockquote": true,
	"pre": true, "br": true, "hr": true, "ul": true, "ol": true}

// PlainText is the text a reader sees in html (as Render makes it): tags
// dropped, entities decoded, an image's description kept, one space
// between words and blocks. The search index holds this rather than the
// markup or the Markdown, so a search matches words, never tag names or
// link addresses.
func PlainText(html string) string {
	var b strings.Builder
	z := xhtml.NewTokenizer(strings.NewReader(html))
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return strings.Join(strings.Fields(b.String()), " ")
		case xhtml.TextToken:
			b.Write(z.Text())
		case xhtml.StartTagToken, xhtml.EndTagToken, xhtml.SelfClosingTagToken:
			name, attrs := z.TagName()
			if blocks[string(name)] {
				b.WriteByte(' ')
			}
			for attrs && string(name) == "img" {
				var k, v []byte
				k, v, attrs = z.TagAttr()
				if string(k) == "alt" {
					b.WriteByte(' ')
					b.Write(v)
					b.WriteByte(' ')
				}
			}
		}
	}
}
