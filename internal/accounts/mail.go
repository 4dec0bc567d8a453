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

// Mail purposes of proven email ownership; each is also the name of its
// templates.
const (
	PurposeVerify       = "account_verify"
	PurposeInviteAccept = "account_invite_accept"
)

// verifyMail sends u, in lang, the link that proves their address
// (templates/mails/account_verify).
func verifyMail(u *User, lang, link string) mail.Mail {
	if lang != "en" {
		lang = "fr"
	}
	return mail.Mail{Name: PurposeVerify, Purpose: PurposeVerify, Langs: []string{lang},
		To: mail.Address{Name: u.Name, Email: u.Email},
		Data: struct {
			Email, Link string
			Hours       int
		}{u.Email, link, int(VerifyLifetime.Hours())}}
}

// inviteAcceptMail tells u, who has an account, in French then English,
// that they are invited to an organisation, with the link that accepts
// (templates/mails/account_invite_accept).
func inviteAcceptMail(u *User, inv Invitation, link string) mail.Mail {
	return mail.Mail{Name: PurposeInviteAccept, Purpose: PurposeInviteAccept, Langs: []string{"fr", "en"},
		To: mail.Address{Name: u.Name, Email: u.Email},
		Data: struct {
			Inviter, Organisation, Role, Link, Email string
			Days                                     int
		}{inv.InviterName, inv.OrganisationName, inv.Role, link, u.Email, int(InviteLifetime.Hours() / 24)}}
}
