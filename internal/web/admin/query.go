package admin

import (
	"net/url"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/directory"

	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// reviewQuery is the admin's organisations filter as the web reads it.
type reviewQuery directory.ReviewFilter

// Values is the filter as a query string.
func (f reviewQuery) Values() url.Values {
	return url.Values(kit.Params{}.Set("status", f.Status).Set("q", f.Query).Page(f.Page))
}

// userQuery is the admin's users filter as the web reads it.
type userQuery accounts.UserFilter

// Values is the filter as a query string.
func (f userQuery) Values() url.Values {
	return url.Values(kit.Params{}.Set("q", f.Query).Page(f.Page))
}
