// Package account serves signing in and out, two-factor authentication,
// password reset and change, invitations and the account's sessions.
package account

import (
	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// Pages are the account's pages.
type Pages struct {
	*kit.Kit
	acc      *accounts.Store
	sessions *accounts.SessionStore
}

// New is the group over k with the stores it uses.
func New(k *kit.Kit, acc *accounts.Store, sessions *accounts.SessionStore) *Pages {
	return &Pages{Kit: k, acc: acc, sessions: sessions}
}
