package public

import (
	"net/url"

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
	if q.Sort != search.SortRelevance {
		p.Set("sort", q.Sort)
	}
	return url.Values(p)
}
