package search

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/locale"
)

// Document is what the index holds for one published organisation. It
// carries only what the public profile shows: no private team member, no
// email address or phone number, no unpublished organisation.
type Document struct {
	ID            int64    `json:"id"`
	Slug          string   `json:"slug"`
	Name          string   `json:"name"`
	Acronym       string   `json:"acronym"`
	Kind          string   `json:"kind"`
	KindLabels    []string `json:"kind_labels"`
	DescriptionFR string   `json:"description_fr"`
	DescriptionEN string   `json:"description_en"`
	MissionFR     string   `json:"mission_fr"`
	MissionEN     string   `json:"mission_en"`
	Themes        []string `json:"themes"`
	ThemeNames    []string `json:"theme_names"`
	// Countries are where the organisation has an office or works.
	Countries       []string `json:"countries"`
	CountryNames    []string `json:"country_names"`
	OfficeCountries []string `json:"office_countries"`
	OfficeCities    []string `json:"office_cities"`
	// OfficeKeys are "COUNTRY:kind" per office, e.g. "ML:regional", so a
	// filter on both holds for one office (Meilisearch flattens arrays of
	// objects, which would let two different offices match).
	OfficeKeys []string     `json:"office_keys"`
	Offices    []OfficeDoc  `json:"offices"`
	Members    []MemberDoc  `json:"members"`
	Projects   []ProjectDoc `json:"projects"`
	Support    []string     `json:"support"`
	UpdatedAt  int64        `json:"updated_at"`
	// VerifiedOn is the day of the last verification (Unix seconds), 0
	// for none. Whether it still counts is decided when searching (see
	// Query.VerifiedAfter), so the index never has to follow the calendar.
	VerifiedOn int64  `json:"verified_on"`
	Version    int    `json:"version"`
	Digest     string `json:"digest"`
}

// OfficeDoc is an office as indexed.
type OfficeDoc struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	City    string `json:"city"`
	Country string `json:"country"`
}

// MemberDoc is a public team member as indexed.
type MemberDoc struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// ProjectDoc is a project as indexed.
type ProjectDoc struct {
	Title     string `json:"title"`
	SummaryFR string `json:"summary_fr"`
	SummaryEN string `json:"summary_en"`
}

// namer gives the names a document carries in both languages: countries'
// (from the directory) and kinds' (from the locale files).
type namer struct {
	country func(code string) (fr, en string)
	tr      *locale.Translator
}

// kind is k's label in French and English.
func (n namer) kind(k directory.Kind) []string {
	id := k.MessageID()
	return []string{n.tr.T("fr", id), n.tr.T("en", id)}
}

// BuildDocument turns a published organisation's profile into its search
// document; it reports false when the organisation must not be indexed
// (not published). Private members are dropped even if the profile holds
// them.
func BuildDocument(p *directory.Profile, names namer) (Document, bool) {
	if p == nil || p.Status != directory.StatusPublished {
		return Document{}, false
	}
	d := Document{
		ID:            p.ID,
		Slug:          p.Slug,
		Name:          clean(p.Name),
		Acronym:       clean(p.AlternateName),
		Kind:          p.Kind.Slug(),
		KindLabels:    names.kind(p.Kind),
		DescriptionFR: clean(p.Description.FR),
		DescriptionEN: clean(p.Description.EN),
		MissionFR:     clean(p.Mission.FR),
		MissionEN:     clean(p.Mission.EN),
		UpdatedAt:     p.UpdatedAt.Unix(),
		Version:       p.Version,
	}
	if p.LastVerifiedOn != nil {
		d.VerifiedOn = p.LastVerifiedOn.Unix()
	}
	for _, t := range p.Themes {
		d.Themes = append(d.Themes, t.Slug)
		d.ThemeNames = append(d.ThemeNames, t.NameFR, t.NameEN)
	}
	countries := slices.Clone(p.Countries)
	for _, f := range p.Offices {
		countries = append(countries, f.Country)
		d.OfficeCountries = append(d.OfficeCountries, f.Country)
		d.OfficeCities = append(d.OfficeCities, clean(f.City))
		d.OfficeKeys = append(d.OfficeKeys, f.Country+":"+f.Kind)
		d.Offices = append(d.Offices, OfficeDoc{Name: clean(f.Name), Kind: f.Kind, City: clean(f.City), Country: f.Country})
	}
	d.Countries = uniqueSorted(countries)
	d.OfficeCountries = uniqueSorted(d.OfficeCountries)
	d.OfficeCities = uniqueStable(d.OfficeCities)
	d.OfficeKeys = uniqueSorted(d.OfficeKeys)
	for _, c := range d.Countries {
		if fr, en := names.country(c); fr != "" {
			d.CountryNames = append(d.CountryNames, fr)
			if en != fr {
				d.CountryNames = append(d.CountryNames, en)
			}
		}
	}
	for _, m := range p.Members {
		if !m.Public {
			continue
		}
		d.Members = append(d.Members, MemberDoc{Name: clean(m.FullName), Role: clean(m.RoleTitle)})
	}
	for _, pr := range p.Projects {
		d.Projects = append(d.Projects, ProjectDoc{Title: clean(pr.Title), SummaryFR: clean(pr.Summary.FR), SummaryEN: clean(pr.Summary.EN)})
	}
	for _, k := range p.SupportSought() {
		d.Support = append(d.Support, string(k))
	}
	d.normalise()
	d.Digest = d.digest()
	return d, true
}

// normalise turns nil slices into empty ones, so a document reads the same
// whether built here or decoded from the index.
func (d *Document) normalise() {
	for _, s := range []*[]string{&d.KindLabels, &d.Themes, &d.ThemeNames, &d.Countries, &d.CountryNames,
		&d.OfficeCountries, &d.OfficeCities, &d.OfficeKeys, &d.Support} {
		if *s == nil {
			*s = []string{}
		}
	}
	if d.Offices == nil {
		d.Offices = []OfficeDoc{}
	}
	if d.Members == nil {
		d.Members = []MemberDoc{}
	}
	if d.Projects == nil {
		d.Projects = []ProjectDoc{}
	}
}

// digest fingerprints the document's content: verify compares it with the
// stored one to find drift that a version number alone would miss (an
// office or project edit does not bump the organisation's version).
func (d Document) digest() string {
	d.Digest = ""
	b, _ := json.Marshal(d)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}

// Highlight markers: private-use characters that clean removes from every
// indexed text, so they can only come from Meilisearch's highlighting.
const (
	markStart = "\uE000"
	markEnd   = "\uE001"
)

func clean(s string) string {
	if strings.ContainsAny(s, markStart+markEnd) {
		s = strings.NewReplacer(markStart, "", markEnd, "").Replace(s)
	}
	return s
}

func uniqueSorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

func uniqueStable(s []string) []string {
	var out []string
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// verifiedOn is the day of a document's verification, zero for none.
func verifiedOn(unix int64) time.Time {
	if unix <= 0 {
		return time.Time{}
	}
	return time.Unix(unix, 0).UTC()
}
