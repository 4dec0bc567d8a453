package web

import (
	"log/slog"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/joining"
	"github.com/partnerdir/partnerdir/internal/locale"
	"github.com/partnerdir/partnerdir/internal/offers"
	"github.com/partnerdir/partnerdir/internal/search"
)

// The handlers come in groups by audience, each holding only the stores it
// uses, over the kit every group shares; the route table (routes.go) lists
// every route of every group.

// kit is what every handler group shares and nothing more: rendering,
// translation, the page base, reading the signed-in account from the
// request context, and the one mapping of errors to responses.
type kit struct {
	log       *slog.Logger
	baseURL   string
	secure    bool
	tr        *locale.Translator
	assets    *assets
	renderer  *renderer
	countries map[string]directory.Country
}

// publicPages are the directory as anyone reads it: home, lists, country
// pages, profiles, search, sitemaps.
type publicPages struct {
	*kit
	dir    *directory.Store
	join   *joining.Store // whether a profile can be claimed
	search *search.Service
}

// donorPages are the donor's offer form and the privacy notice.
type donorPages struct {
	*kit
	dir    *directory.Store
	offers *offers.Store
}

// accountPages are signing in and out, two-factor authentication,
// password reset and change, invitations and the account's sessions.
type accountPages struct {
	*kit
	acc      *accounts.Store
	sessions *accounts.SessionStore
}

// managePages are an organisation's self-service: profile, offices, team,
// projects, contacts and routing, logo, access, submission for review.
type managePages struct {
	*kit
	dir       *directory.Store
	acc       *accounts.Store
	uploadDir string
}

// inboxPages are the triage of offers, one resource for two audiences:
// platform staff (every offer) and an organisation's members (theirs).
type inboxPages struct {
	*kit
	dir    *directory.Store
	acc    *accounts.Store
	offers *offers.Store
}

// adminPages are the platform's administration: review of organisations,
// users and roles, claims decided by an admin, donors' data requests.
type adminPages struct {
	*kit
	dir      *directory.Store
	acc      *accounts.Store
	sessions *accounts.SessionStore
	offers   *offers.Store
	join     *joining.Store
}

// joiningPages are listing a new organisation, signing up, and claiming
// an unowned one.
type joiningPages struct {
	*kit
	dir      *directory.Store
	acc      *accounts.Store
	sessions *accounts.SessionStore
	join     *joining.Store
}
