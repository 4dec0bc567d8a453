package news

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/richtext"
)

// Message ids of the article form's errors (web/locales/news.*).
const (
	errNoLanguage      = "news.err.no_language"
	errBodyTooLong     = "news.err.body_too_long"
	errCoverPath       = "news.err.cover_path"
	errCoverAlt        = "news.err.cover_alt"
	errPublishedFuture = "news.err.published_in_future"
	errNotOurs         = "news.err.not_ours"
)

// clean is an Input checked and normalised, with each body rendered.
type clean struct {
	translations []Translation // French first
	coverPath    string
	coverAlt     directory.Localized
	publishedAt  *time.Time
	themes       []string
	countries    []string
	projects     []int64
	offices      []int64
	members      []int64
}

// check validates in against the limits and the rich-text policy, and
// returns it normalised (texts trimmed, bodies rendered, lists without
// repeats), or an Invalid error naming every wrong field. Whether themes
// and countries exist, and whether links are the organisation's own, is
// checked against the database by the write.
//
// A body the sanitiser would have to change — HTML, a script, a
// javascript: or data: link, an image from another host — is refused
// rather than published altered: the author sees why at the field and
// decides what to write instead.
func check(in Input, policy *richtext.Policy, now time.Time) (*clean, error) {
	return checkWith(in, policy.Render, policy.ValidImage, now)
}

// checkWith is check with render as the body's renderer (a bulk load
// passes a memoised one).
func checkWith(in Input, render func(string) (string, []richtext.Problem), validImage func(string) bool, now time.Time) (*clean, error) {
	var v fault.Fields
	c := &clean{}
	for _, lang := range Languages() {
		t := in.FR
		if lang == "en" {
			t = in.EN
		}
		if t.empty() {
			continue
		}
		title := strings.TrimSpace(strings.Join(strings.Fields(t.Title), " "))
		lead := strings.TrimSpace(strings.ReplaceAll(t.Lead, "\r\n", "\n"))
		body := strings.TrimRight(strings.ReplaceAll(t.Body, "\r\n", "\n"), " \t\n")
		switch {
		case title == "":
			v.Add("title_"+lang, "manage.err.required")
		case utf8.RuneCountInString(title) > MaxTitleLen:
			v.Add("title_"+lang, "manage.err.too_long")
		}
		if utf8.RuneCountInString(lead) > MaxLeadLen {
			v.Add("lead_"+lang, "manage.err.too_long")
		}
		var html string
		switch {
		case strings.TrimSpace(body) == "":
			v.Add("body_"+lang, "manage.err.required")
		case len(body) > MaxBodyBytes:
			v.Add("body_"+lang, errBodyTooLong)
		default:
			var problems []richtext.Problem
			html, problems = render(body)
			if len(problems) > 0 {
				v.Add("body_"+lang, problems[0].ID)
			}
		}
		c.translations = append(c.translations, Translation{Lang: lang, Title: title, Lead: lead, BodyMarkdown: body, BodyHTML: html})
	}
	if len(c.translations) == 0 {
		v.Add("translations", errNoLanguage)
	}

	c.coverPath = strings.TrimSpace(in.CoverPath)
	if c.coverPath != "" {
		if !validImage(c.coverPath) || len(c.coverPath) > 300 {
			v.Add("cover_path", errCoverPath)
		}
		c.coverAlt = directory.Localized{FR: strings.TrimSpace(in.CoverAlt.FR), EN: strings.TrimSpace(in.CoverAlt.EN)}
		for _, t := range c.translations {
			a := c.coverAlt.FR
			if t.Lang == "en" {
				a = c.coverAlt.EN
			}
			switch {
			case a == "":
				v.Add("cover_alt_"+t.Lang, errCoverAlt)
			case utf8.RuneCountInString(a) > MaxAltLen:
				v.Add("cover_alt_"+t.Lang, "manage.err.too_long")
			}
		}
	}

	if in.PublishedAt != nil && !in.PublishedAt.IsZero() {
		if in.PublishedAt.After(now) {
			v.Add("published_at", errPublishedFuture)
		}
		at := in.PublishedAt.UTC().Truncate(time.Microsecond) // PostgreSQL's precision
		c.publishedAt = &at
	}

	c.themes = distinct(in.ThemeSlugs)
	c.countries = distinct(in.Countries)
	for _, code := range c.countries {
		if !directory.ValidCountry(code) {
			v.Add("countries", "manage.err.unknown_country")
		}
	}
	c.projects, c.offices, c.members = distinctIDs(in.ProjectIDs), distinctIDs(in.OfficeIDs), distinctIDs(in.MemberIDs)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

// title is the article's title in its first language, for its slug.
func (c *clean) title() string { return c.translations[0].Title }

func distinct(xs []string) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if x = strings.TrimSpace(x); x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func distinctIDs(xs []int64) []int64 {
	out := make([]int64, 0, len(xs))
	for _, x := range xs {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
