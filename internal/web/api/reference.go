package api

import (
	"github.com/gin-gonic/gin"
)

// CountryCount is a country with how many published organisations have
// an office in it or work in it.
type CountryCount struct {
	Code          string `json:"code"`
	Name          Text   `json:"name"`
	Organisations int    `json:"organisations"`
}

// ThemeCount is a theme with how many published organisations work on it.
type ThemeCount struct {
	Slug          string `json:"slug"`
	Name          Text   `json:"name"`
	Organisations int    `json:"organisations"`
}

// CountryList lists the countries where published organisations are.
type CountryList struct {
	Data []CountryCount `json:"data"`
}

// ThemeList lists every theme.
type ThemeList struct {
	Data []ThemeCount `json:"data"`
}

// ListCountries answers GET /api/v1/countries: the countries with at least
// one published organisation, most common first (the directory's cached
// counts).
func (h *Handlers) ListCountries(c *gin.Context) {
	if _, err := readParams(c); err != nil {
		h.FailJSON(c, err)
		return
	}
	counts, err := h.dir.CountryCounts(c.Request.Context())
	if err != nil {
		h.FailJSON(c, err)
		return
	}
	out := CountryList{Data: make([]CountryCount, 0, len(counts))}
	for _, cc := range counts {
		country, ok := h.Country(cc.Key)
		if !ok {
			continue
		}
		out.Data = append(out.Data, CountryCount{Code: cc.Key, Name: Text{FR: country.NameFR, EN: country.NameEN}, Organisations: cc.Count})
	}
	h.writeJSON(c, out, "")
}

// ListThemes answers GET /api/v1/themes: every theme in display order with
// its count of published organisations (0 included).
func (h *Handlers) ListThemes(c *gin.Context) {
	if _, err := readParams(c); err != nil {
		h.FailJSON(c, err)
		return
	}
	ctx := c.Request.Context()
	themes, err := h.dir.Themes(ctx)
	if err != nil {
		h.FailJSON(c, err)
		return
	}
	counts, err := h.dir.ThemeCounts(ctx)
	if err != nil {
		h.FailJSON(c, err)
		return
	}
	n := make(map[string]int, len(counts))
	for _, tc := range counts {
		n[tc.Key] = tc.Count
	}
	out := ThemeList{Data: make([]ThemeCount, len(themes))}
	for i, t := range themes {
		out.Data[i] = ThemeCount{Slug: t.Slug, Name: Text{FR: t.NameFR, EN: t.NameEN}, Organisations: n[t.Slug]}
	}
	h.writeJSON(c, out, "")
}
