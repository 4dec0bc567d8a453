package kit

import (
	"net/url"
	"strconv"

	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/fault"
)

// maxParamLen bounds every query parameter; longer values are a 400.
const maxParamLen = 200

// Query reads a query parameter, refusing over-long and repeated values.
func Query(c *gin.Context, name string) (string, error) {
	vs := c.QueryArray(name)
	switch {
	case len(vs) == 0:
		return "", nil
	case len(vs) > 1:
		return "", fault.InvalidField(name, "param.err.repeated")
	case utf8.RuneCountInString(vs[0]) > maxParamLen || !utf8.ValidString(vs[0]):
		return "", fault.InvalidField(name, "param.err.too_long")
	}
	return strings.TrimSpace(vs[0]), nil
}

// QueryReader reads a page's filters from the query string (Query), keeping
// the first error; after one, every value is "".
type QueryReader struct {
	c   *gin.Context
	err error
}

// NewQueryReader reads c's query string.
func NewQueryReader(c *gin.Context) *QueryReader { return &QueryReader{c: c} }

// Err is the first error met, or nil.
func (q *QueryReader) Err() error { return q.err }

// Str is the parameter name, or "" once an error was met.
func (q *QueryReader) Str(name string) string {
	if q.err != nil {
		return ""
	}
	var v string
	v, q.err = Query(q.c, name)
	return v
}

// Page is the page number; anything but a number is the first page.
func (q *QueryReader) Page() int {
	n, _ := strconv.Atoi(q.Str("page"))
	return n
}

// Filters write themselves back as query strings (their Values), for the
// links of a list page: pages, facets, sorting, exports. A filter at its
// defaults writes nothing, so its link is the bare path.

// Params is a query string in the making: an empty value is left out.
type Params url.Values

// Set sets key to value unless value is empty.
func (p Params) Set(key, value string) Params {
	if value != "" {
		url.Values(p).Set(key, value)
	}
	return p
}

// Page sets the page number, left out for the first page.
func (p Params) Page(n int) Params {
	if n > 1 {
		url.Values(p).Set("page", strconv.Itoa(n))
	}
	return p
}

// Link is path with v as its query string, or path alone when v is empty.
func Link(path string, v url.Values) string {
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}
