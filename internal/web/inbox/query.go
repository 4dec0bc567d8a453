package inbox

import (
	"net/url"

	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// Values is the inbox filter as a query string.
func (sf StaffFilter) Values() url.Values {
	p := kit.Params{}.Set("status", sf.Status).Set("org", sf.Organisation).Set("kind", sf.Kind).Set("from", sf.From).
		Set("to", sf.To).Set("q", sf.Query).Set("sort", sf.Sort)
	if sf.Overdue {
		p.Set("overdue", "1")
	}
	return url.Values(p)
}
