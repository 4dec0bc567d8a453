// Package news owns partner news: the communiqués (articles) an
// organisation writes in French and/or English, their moderation by staff,
// and the reads behind the public news pages — the types, their validation
// and the SQL of the articles tables.
//
// An article moves through a small state machine the store enforces:
//
//	draft ──Submit──▶ submitted ──Approve──▶ published ──Withdraw──▶ withdrawn
//	  ▲                   │
//	  └─────SendBack──────┘ (with a reason, mailed to the author)
//
// Submit publishes at once when an admin marked the organisation
// news_trusted. Editing a published article keeps it published for a
// trusted organisation; for any other it goes back to submitted — off the
// public pages — until staff approve the new text. Only drafts are
// deleted; a withdrawn article stays, unpublished, in its organisation's
// list. Every write is one transaction with its audit entry and the
// store's change hook (the search index job).
package news

import (
	"slices"
	"strings"
	"time"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
)

// Article statuses.
const (
	StatusDraft     = "draft"
	StatusSubmitted = "submitted"
	StatusPublished = "published"
	StatusWithdrawn = "withdrawn"
)

// Statuses lists the statuses in the order of the workflow.
func Statuses() []string {
	return []string{StatusDraft, StatusSubmitted, StatusPublished, StatusWithdrawn}
}

// Limits of an article's texts.
const (
	MaxTitleLen  = 200        // characters
	MaxLeadLen   = 600        // characters
	MaxBodyBytes = 100 * 1024 // bytes of Markdown
	MaxAltLen    = 300        // characters
	MaxReasonLen = 2000       // characters of a send-back reason
)

// Errors of the workflow, beside the kinds of package fault.
var (
	// ErrStale means the article changed since the version the caller
	// read: someone else saved it meanwhile.
	ErrStale = fault.New(fault.Conflict, "news.err.stale")
	// ErrWrongStatus means the article's status does not allow the action
	// (approve a draft, delete a published article, edit a withdrawn one).
	ErrWrongStatus = fault.New(fault.Conflict, "news.err.status")
)

// Text is one language version of an article as written: a title, a lead
// (the chapô, plain text) and a Markdown body.
type Text struct {
	Title string
	Lead  string
	Body  string
}

// empty reports whether nothing was written in this language.
func (t Text) empty() bool {
	return strings.TrimSpace(t.Title) == "" && strings.TrimSpace(t.Lead) == "" && strings.TrimSpace(t.Body) == ""
}

// Input is what an author writes and chooses: at least one language, a
// cover, a back-date for an imported communiqué, and what the article is
// about. Links to projects, offices and team members must be the
// organisation's own.
type Input struct {
	FR, EN Text
	// CoverPath is an uploaded image (a path under the uploads prefix), or
	// "" for none; CoverAlt describes it in each language written.
	CoverPath string
	CoverAlt  directory.Localized
	// PublishedAt is the date to show when it is published, for a
	// communiqué first published elsewhere; nil keeps the date the
	// article has (none for a new one: the date it is published).
	PublishedAt *time.Time
	ThemeSlugs  []string
	Countries   []string
	ProjectIDs  []int64
	OfficeIDs   []int64
	MemberIDs   []int64
}

// Translation is one language version as stored: BodyHTML is the body
// rendered and sanitised when it was saved (internal/richtext), safe to
// serve as it is.
type Translation struct {
	Lang         string `json:"lang"`
	Title        string `json:"title"`
	Lead         string `json:"lead"`
	BodyMarkdown string `json:"body_markdown"`
	BodyHTML     string `json:"body_html"`
}

// Heading is a language version as lists show it: no body.
type Heading struct {
	Lang  string `json:"lang"`
	Title string `json:"title"`
	Lead  string `json:"lead"`
}

// Organisation is the organisation an article belongs to.
type Organisation struct {
	ID   int64  `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
	// LogoPath is the address of its logo ("" for none), read with the
	// lists' summaries for their cards.
	LogoPath string `json:"logo_path,omitempty"`
}

// Cover is an article's cover image, Path "" for none.
type Cover struct {
	Path string
	Alt  directory.Localized
}

// Project is a project an article presents.
type Project struct {
	ID    int64  `json:"id"`
	Slug  string `json:"slug"`
	Title string `json:"title"`
}

// Office is an office an article presents.
type Office struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	City    string `json:"city"`
	Country string `json:"country"`
}

// Member is a team member an article presents.
type Member struct {
	ID        int64  `json:"id"`
	FullName  string `json:"full_name"`
	RoleTitle string `json:"role_title"`
	OfficeID  int64  `json:"office_id"`
	Public    bool   `json:"public"`
}

// Article is a whole article with its language versions and its links
// resolved to names and slugs.
type Article struct {
	ID           int64
	Slug         string
	Status       string
	Organisation Organisation
	// PublishedAt is the date shown (nil until published, or a back-date);
	// FirstPublishedAt when it first went public here.
	PublishedAt      *time.Time
	FirstPublishedAt *time.Time
	SubmittedAt      *time.Time
	AuthorUserID     int64
	Cover            Cover
	// Translations are French first, then English.
	Translations []Translation
	Themes       []directory.Theme
	Countries    []directory.Country
	Projects     []Project
	Offices      []Office
	// Members are the team members presented; the public read (BySlug)
	// leaves out private ones.
	Members []Member
	// SentBackReason is why staff last sent it back ("" once approved).
	SentBackReason string
	ReviewedAt     *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
	Version        int
}

// In returns the version in lang, or the other one when the article is not
// written in lang; its Lang says which, for the page's lang attribute.
func (a *Article) In(lang string) Translation {
	for _, t := range a.Translations {
		if t.Lang == lang {
			return t
		}
	}
	if len(a.Translations) > 0 {
		return a.Translations[0]
	}
	return Translation{}
}

// Input returns what the article's editors see in the form.
func (a *Article) Input() Input {
	in := Input{CoverPath: a.Cover.Path, CoverAlt: a.Cover.Alt, PublishedAt: a.PublishedAt}
	for _, t := range a.Translations {
		x := Text{Title: t.Title, Lead: t.Lead, Body: t.BodyMarkdown}
		if t.Lang == "en" {
			in.EN = x
		} else {
			in.FR = x
		}
	}
	for _, t := range a.Themes {
		in.ThemeSlugs = append(in.ThemeSlugs, t.Slug)
	}
	for _, c := range a.Countries {
		in.Countries = append(in.Countries, c.Code)
	}
	for _, p := range a.Projects {
		in.ProjectIDs = append(in.ProjectIDs, p.ID)
	}
	for _, o := range a.Offices {
		in.OfficeIDs = append(in.OfficeIDs, o.ID)
	}
	for _, m := range a.Members {
		in.MemberIDs = append(in.MemberIDs, m.ID)
	}
	return in
}

// Summary is an article as lists show it: the public list, an
// organisation's own list, the review queue.
type Summary struct {
	ID           int64
	Slug         string
	Status       string
	Organisation Organisation
	PublishedAt  *time.Time
	SubmittedAt  *time.Time
	UpdatedAt    time.Time
	Version      int
	Cover        Cover
	// Headings are French first, then English.
	Headings  []Heading
	Themes    []directory.Theme
	Countries []string
	// Author is the author's name for editors and staff ("" in the public
	// list, and once their account is deleted).
	Author         string
	SentBackReason string
}

// In returns the heading in lang, or the other language's.
func (s *Summary) In(lang string) Heading {
	for _, h := range s.Headings {
		if h.Lang == lang {
			return h
		}
	}
	if len(s.Headings) > 0 {
		return s.Headings[0]
	}
	return Heading{}
}

// Saved is what a write leaves: the article's id, address, status and new
// version (for the next optimistic save).
type Saved struct {
	ID      int64
	Slug    string
	Status  string
	Version int
}

// Languages lists the languages an article may be written in, French first.
func Languages() []string { return []string{"fr", "en"} }

// ValidLanguage reports whether lang is one an article may be written in.
func ValidLanguage(lang string) bool { return slices.Contains(Languages(), lang) }
