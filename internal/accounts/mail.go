package accounts

import "github.com/partnerdir/partnerdir/internal/mail"

// Mail purposes.
const (
	PurposeReset  = "account_reset"
	PurposeInvite = "account_invite"
)

// resetMail sends u, in lang, the link that sets a new password
// (templates/mails/account_reset).
func resetMail(u *User, lang, link string) mail.Mail {
	return mail.Mail{Name: "account_reset", Purpose: PurposeReset, Langs: []string{lang},
		To: mail.Address{Name: u.Name, Email: u.Email},
		Data: struct {
			Link  string
			Hours int
		}{link, int(ResetLifetime.Hours())}}
}

// inviteMail tells u, in French then English, that they may manage an
// organisation, with the link to follow (templates/mails/account_invite).
func inviteMail(u *User, inv Invitation, link string) mail.Mail {
	return mail.Mail{Name: "account_invite", Purpose: PurposeInvite, Langs: []string{"fr", "en"},
		To: mail.Address{Name: u.Name, Email: u.Email},
		Data: struct {
			Inviter, Organisation, Role, Link string
			Days                              int
		}{inv.InviterName, inv.OrganisationName, inv.Role, link, int(InviteLifetime.Hours() / 24)}}
}
