package public

import (
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/fault"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/search"

	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// listQuery is the public list's filter as the web reads it.
type listQuery directory.ListFilter

// Values is the filter as a query string, cursors included.
func (f listQuery) Values() url.Values {
	p := kit.Params{}.Set("theme", f.Theme).Set("country", f.Country).Set("after", f.After).Set("before", f.Before)
	if f.Kind != 0 {
		p.Set("kind", f.Kind.Slug())
	}
	if f.Verified {
		p.Set("verified", "1")
	}
	return url.Values(p)
}

// searchQuery is a search as the web reads it.
type searchQuery search.Query

// Values is the search as a query string; the defaults (organisations,
// relevance) are left out.
func (q searchQuery) Values() url.Values {
	p := kit.Params{}.Set("q", q.Text)
	if q.Type == search.TypeNews {
		p.Set("type", q.Type)
	}
	p.Set("country", q.Country).Set("theme", q.Theme).Set("support", q.Support).
		Set("kind", q.Kind).Set("office", q.Office).Page(q.Page)
	if !q.VerifiedAfter.IsZero() {
		p.Set("verified", "1")
	}
	if q.Sort != search.SortRelevance {
		p.Set("sort", q.Sort)
	}
	return url.Values(p)
}

// verifiedParam reads verified: "1" keeps the verified organisations
// only, absent or empty keeps all; anything else is refused by name.
func verifiedParam(c *gin.Context) (bool, error) {
	v, err := kit.Query(c, "verified")
	switch {
	case err != nil:
		return false, err
	case v == "" || v == "0":
		return false, nil
	case v == "1":
		return true, nil
	}
	return false, fault.InvalidValue("verified", "donors.err.verified", v)
}
