package demo

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/news"
)

// SyntheticArticlesPerOrganisation is how many articles each synthetic
// organisation has.
const SyntheticArticlesPerOrganisation = 3

var (
	articleOpeningsFR = []string{"Bilan de la saison", "Nouvelles du terrain", "Une année d'action", "Lancement d'un programme", "Appel à bénévoles", "Retour sur nos activités"}
	articleOpeningsEN = []string{"Season report", "News from the field", "A year of action", "A new programme", "Volunteers wanted", "Looking back at our work"}
	articleTexts      = []string{
		"Les équipes ont rencontré les familles, les écoles et les autorités locales pour préparer la suite.",
		"Les comités villageois suivent désormais eux-mêmes les activités, avec l'appui d'un animateur.",
		"Les premiers résultats sont encourageants, mais les besoins restent importants.",
		"Merci aux partenaires et aux donateurs qui ont rendu ce travail possible.",
		"Une évaluation indépendante est prévue en fin d'année.",
	}
	articleTextsEN = []string{
		"The teams met families, schools and local authorities to prepare what comes next.",
		"Village committees now follow the activities themselves, with the help of a facilitator.",
		"The first results are encouraging, but the needs remain large.",
		"Thank you to the partners and donors who made this work possible.",
		"An independent evaluation is planned at the end of the year.",
	}
)

// The bodies of synthetic articles: a few, so a bulk load renders each
// once.
var (
	articleBodiesFR = syntheticBodies(articleTexts, "Article fictif généré pour les tests de charge.")
	articleBodiesEN = syntheticBodies(articleTextsEN, "Fictional article generated for load tests.")
)

// syntheticBodies makes eight Markdown bodies of one to three paragraphs
// from texts, each ending with the fictional mention.
func syntheticBodies(texts []string, fictional string) []string {
	out := make([]string, 8)
	for i := range out {
		var b strings.Builder
		for p := 0; p <= i%3; p++ {
			b.WriteString(texts[(i+p)%len(texts)] + " " + texts[(i+2*p+1)%len(texts)] + "\n\n")
		}
		if i%2 == 0 {
			b.WriteString("- " + texts[i%len(texts)] + "\n- " + texts[(i+3)%len(texts)] + "\n\n")
		}
		out[i] = b.String() + "*" + fictional + "*"
	}
	return out
}

// SyntheticArticles returns the articles of synthetic organisation i of
// seed, o as CreateManyTx stored it (its id and its projects' and
// offices' ids set): SyntheticArticlesPerOrganisation articles, each about
// one of its themes and one or two of its countries, dated between 2019
// and 2025, in French, English or both, some linked to a project and an
// office; about one in twelve is a draft. Slugs are o's slug and a number,
// so they never collide. It depends only on seed, i and o.
func SyntheticArticles(seed uint64, i int, o *directory.NewOrganisation) []news.Bulk {
	r := rand.New(rand.NewPCG(seed^0x6e657773, uint64(i)))
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	start := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	span := int(time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC).Sub(start) / time.Minute)
	out := make([]news.Bulk, 0, SyntheticArticlesPerOrganisation)
	for k := 1; k <= SyntheticArticlesPerOrganisation; k++ {
		theme := o.ThemeSlugs[r.IntN(len(o.ThemeSlugs))]
		t := Themes[indexOf(themeSlugs, theme)]
		at := start.Add(time.Duration(r.IntN(span)) * time.Minute)
		b := news.Bulk{OrganisationID: o.ID, Slug: o.Slug + "-" + strconv.Itoa(k), Published: r.IntN(12) != 0,
			Input: news.Input{PublishedAt: &at, ThemeSlugs: []string{theme}, Countries: sample(r, o.Countries, min(len(o.Countries), 1+r.IntN(2)))}}
		lang := r.IntN(10)
		if lang < 9 {
			b.FR = news.Text{Title: fmt.Sprintf("%s : %s — %s", pick(articleOpeningsFR), lowerFirst(t.NameFR), o.Name),
				Lead: pick(articleTexts), Body: pick(articleBodiesFR)}
		}
		if lang < 6 || lang == 9 {
			b.EN = news.Text{Title: fmt.Sprintf("%s: %s — %s", pick(articleOpeningsEN), lowerFirst(t.NameEN), o.Name),
				Lead: pick(articleTextsEN), Body: pick(articleBodiesEN)}
		}
		if len(o.Projects) > 0 && r.IntN(2) == 0 {
			b.ProjectIDs = []int64{o.Projects[r.IntN(len(o.Projects))].ID}
		}
		if len(o.Offices) > 0 && r.IntN(3) == 0 {
			b.OfficeIDs = []int64{o.Offices[r.IntN(len(o.Offices))].ID}
		}
		out = append(out, b)
	}
	return out
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}
