package directory

// Mail purposes of review decisions.
const (
	PurposeRejection     = "organisation_rejected"
	PurposeApproval      = "organisation_published"
	PurposeSuspension    = "organisation_suspended"
	PurposeReinstatement = "organisation_reinstated"
)

// Mail is a review decision to tell one owner of an organisation: the
// facts, which the mail package words in both languages.
type Mail struct {
	Purpose string
	// Decision is DecisionApprove, DecisionReject, DecisionSuspend or
	// DecisionReinstate.
	Decision     string
	To           Person
	Organisation string
	// Reason is the admin's explanation (reject, suspend), else "".
	Reason string
	// Link is where the owner goes next: the profile to edit, or the
	// public page once it is published.
	Link string
}

// decisionMail tells an owner what an admin decided on their organisation,
// with the link to follow; base is the site's address.
func decisionMail(decision string, to Person, orgName, slug, reason, base string) Mail {
	m := Mail{Decision: decision, To: to, Organisation: orgName, Reason: reason, Link: base + "/manage/" + slug}
	switch decision {
	case DecisionReject:
		m.Purpose = PurposeRejection
	case DecisionSuspend:
		m.Purpose = PurposeSuspension
	case DecisionReinstate:
		m.Purpose, m.Link = PurposeReinstatement, base+"/organisations/"+slug
	default: // approve
		m.Purpose, m.Link = PurposeApproval, base+"/organisations/"+slug
	}
	return m
}
