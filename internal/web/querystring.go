package web

import (
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/search"
)

// queryReader reads a page's filters from the query string (query), keeping
// the first error; after one, every value is "".
type queryReader struct {
	c   *gin.Context
	err error
}

func (q *queryReader) str(name string) string {
	if q.err != nil {
		return ""
	}
	var v string
	v, q.err = query(q.c, name)
	return v
}

// page is the page number; anything but a number is the first page.
func (q *queryReader) page() int {
	n, _ := strconv.Atoi(q.str("page"))
	return n
}

// Filters write themselves back as query strings (their Values), for the
// links of a list page: pages, facets, sorting, exports. A filter at its
// defaults writes nothing, so its link is the bare path.

// params is a query string in the making: an empty value is left out.
type params url.Values

func (p params) set(key, value string) params {
	if value != "" {
		url.Values(p).Set(key, value)
	}
	return p
}

// page sets the page number, left out for the first page.
func (p params) page(n int) params {
	if n > 1 {
		url.Values(p).Set("page", strconv.Itoa(n))
	}
	return p
}

// link is path with v as its query string, or path alone when v is empty.
func link(path string, v url.Values) string {
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// reviewQuery is the admin's organisations filter as the web reads it.
type reviewQuery directory.ReviewFilter

// Values is the filter as a query string.
func (f reviewQuery) Values() url.Values {
	return url.Values(params{}.set("status", f.Status).set("q", f.Query).page(f.Page))
}

// userQuery is the admin's users filter as the web reads it.
type userQuery accounts.UserFilter

// Values is the filter as a query string.
func (f userQuery) Values() url.Values {
	return url.Values(params{}.set("q", f.Query).page(f.Page))
}

// listQuery is the public list's filter as the web reads it.
type listQuery directory.ListFilter

// Values is the filter as a query string, cursors included.
func (f listQuery) Values() url.Values {
	p := params{}.set("theme", f.Theme).set("country", f.Country).set("after", f.After).set("before", f.Before)
	if f.Kind != 0 {
		p.set("kind", f.Kind.Slug())
	}
	return url.Values(p)
}

// searchQuery is a search as the web reads it.
type searchQuery search.Query

// Values is the search as a query string; relevance, the default sort,
// is left out.
func (q searchQuery) Values() url.Values {
	p := params{}.set("q", q.Text).set("country", q.Country).set("theme", q.Theme).set("support", q.Support).
		set("kind", q.Kind).set("office", q.Office).page(q.Page)
	if q.Sort != search.SortRelevance {
		p.set("sort", q.Sort)
	}
	return url.Values(p)
}

// Values is the inbox filter as a query string.
func (sf StaffFilter) Values() url.Values {
	p := params{}.set("status", sf.Status).set("org", sf.Organisation).set("kind", sf.Kind).set("from", sf.From).
		set("to", sf.To).set("q", sf.Query).set("sort", sf.Sort)
	if sf.Overdue {
		p.set("overdue", "1")
	}
	return url.Values(p)
}
