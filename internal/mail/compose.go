package mail

import (
	"fmt"

	"github.com/partnerdir/partnerdir/internal/directory"
)

// OfferMail is what the two mails about a new support offer tell
// (templates/mails/offer_contact and offer_ack).
type OfferMail struct {
	OfferID          int64
	Reference        string
	OrganisationName string
	Kind             directory.SupportKind
	ProjectTitle     string
	OfficeName       string
	Message          string
	DonorName        string
	DonorEmail       string
	DonorPhone       string
	DonorCompany     string
	// DonorLang is the language of the acknowledgment ("fr" or "en").
	DonorLang string
	Contact   Address
	// OfferURL is where the organisation reads and follows up the offer.
	OfferURL string
	// PrivacyURL is the privacy notice the donor agreed to.
	PrivacyURL string
	// StatusURL is the donor's private link to the offer's status page.
	StatusURL string
	// Triage is the platform's triage mailbox (TRIAGE_EMAIL): a donor's
	// reply to the acknowledgment reaches people, not the no-reply sender.
	Triage Address
}

// Purposes of the offer mails.
const (
	PurposeOfferContact = "offer_contact"
	PurposeOfferAck     = "offer_ack"
	// PurposeOfferStatus is a mail to the donor about the offer's new
	// status (StatusFacts). Like the acknowledgment, it is addressed to
	// the donor: an offer's anonymisation empties its recipient.
	PurposeOfferStatus = "offer_status"
)

// DonorPurposes are the purposes of the mails addressed to the donor of
// an offer, whose addresses go when the offer is anonymised.
func DonorPurposes() []string { return []string{PurposeOfferAck, PurposeOfferStatus} }

// ContactMail is the mail to the contact the offer was routed to: from
// the platform, Reply-To the donor (a From in the donor's name would fail
// DMARC), in French then English.
func (o OfferMail) ContactMail() Mail {
	return Mail{Name: PurposeOfferContact, Langs: []string{"fr", "en"}, OfferID: o.OfferID, To: o.Contact,
		ReplyTo: Address{Name: o.DonorName, Email: o.DonorEmail}, Data: o}
}

// AckFacts is all the acknowledgment to the donor may tell: the
// reference, the organisation, the kind of support and the privacy notice.
// The acknowledgment goes to whatever address the form was given, so it
// carries nothing the sender typed (neither the message nor the name, not
// even in the greeting or the To header): it cannot relay a stranger's
// words to a stranger's mailbox. The organisation's copy keeps both.
type AckFacts struct {
	Reference        string
	OrganisationName string
	Kind             directory.SupportKind
	PrivacyURL       string
	// StatusURL is the private link to the offer's status page.
	StatusURL string
}

// AckMail is the acknowledgment to the donor, in their language, with
// only the AckFacts of o, Reply-To the triage mailbox.
func (o OfferMail) AckMail() Mail {
	return Mail{Name: PurposeOfferAck, Langs: []string{o.DonorLang}, OfferID: o.OfferID,
		To: Address{Email: o.DonorEmail}, ReplyTo: o.Triage,
		Data: AckFacts{Reference: o.Reference, OrganisationName: o.OrganisationName, Kind: o.Kind, PrivacyURL: o.PrivacyURL,
			StatusURL: o.StatusURL}}
}

// StatusFacts is all a mail about an offer's new status tells the donor:
// as with the acknowledgment, nothing the sender typed, and nothing of
// the triage (no notes, no assignee, no routing rule, no address).
type StatusFacts struct {
	Reference        string
	OrganisationName string
	// Status is the new status: forwarded, accepted or declined.
	Status string
	// ForwardedTo is the name of the organisation's contact the offer went
	// to; "" when it is the platform's team.
	ForwardedTo string
	StatusURL   string
	PrivacyURL  string
}

// StatusMail is the mail telling the donor at to, in lang, the new status
// of offer offerID, Reply-To the triage mailbox. Its idempotency key is
// the offer and the status: one mail per status, however often it is
// composed.
func (f StatusFacts) StatusMail(offerID int64, lang string, to, triage Address) Mail {
	return Mail{Name: PurposeOfferStatus, Langs: []string{lang}, OfferID: offerID, To: to, ReplyTo: triage, Data: f,
		IdempotencyKey: fmt.Sprintf("offer-status:%d:%s", offerID, f.Status)}
}
