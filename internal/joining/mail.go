package joining

import (
	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/mail"
)

// Mail purposes; each is also the name of its templates
// (templates/mails/PURPOSE.txt and .html).
const (
	PurposeJoined        = "join_received"
	PurposeClaimLink     = "claim_link"
	PurposeClaimApproved = "claim_approved"
	PurposeClaimRejected = "claim_rejected"
	PurposeReviewRemind  = "review_reminder"
)

// facts are what a joining mail tells about an organisation: its name,
// the link to follow and, for a declined claim, the reason.
type facts struct {
	Organisation, Link, Reason string
	// Hours is how long the link works, for links that expire.
	Hours int
}

// frenchThenEnglish is a mail of purpose to to, in French then English.
func frenchThenEnglish(purpose string, to mail.Address, f facts) mail.Mail {
	return mail.Mail{Name: purpose, Langs: []string{"fr", "en"}, To: to, Data: f}
}

func joinedMail(u *accounts.User, org, link string) mail.Mail {
	return frenchThenEnglish(PurposeJoined, mail.Address{Name: u.Name, Email: u.Email}, facts{Organisation: org, Link: link})
}

func claimLinkMail(u *accounts.User, to, org, link string) mail.Mail {
	return frenchThenEnglish(PurposeClaimLink, mail.Address{Name: u.Name, Email: to},
		facts{Organisation: org, Link: link, Hours: int(ClaimLinkLifetime.Hours())})
}

func claimApprovedMail(to mail.Address, org, link string) mail.Mail {
	return frenchThenEnglish(PurposeClaimApproved, to, facts{Organisation: org, Link: link})
}

func claimRejectedMail(to mail.Address, org, reason string) mail.Mail {
	return frenchThenEnglish(PurposeClaimRejected, to, facts{Organisation: org, Reason: reason})
}

func reviewReminderMail(to mail.Address, org, link string) mail.Mail {
	return frenchThenEnglish(PurposeReviewRemind, to, facts{Organisation: org, Link: link})
}
