package mail

import "github.com/partnerdir/partnerdir/internal/directory"

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
}

// Purposes of the offer mails.
const (
	PurposeOfferContact = "offer_contact"
	PurposeOfferAck     = "offer_ack"
)

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
}

// AckMail is the acknowledgment to the donor, in their language, with
// only the AckFacts of o.
func (o OfferMail) AckMail() Mail {
	return Mail{Name: PurposeOfferAck, Langs: []string{o.DonorLang}, OfferID: o.OfferID,
		To:   Address{Email: o.DonorEmail},
		Data: AckFacts{Reference: o.Reference, OrganisationName: o.OrganisationName, Kind: o.Kind, PrivacyURL: o.PrivacyURL}}
}
