package mail

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/directory"
)

// DirectoryMailer lets the directory mail organisations' owners (review
// decisions) through the outbox, in the directory's transaction.
func (o *Outbox) DirectoryMailer() directory.Mailer {
	return func(ctx context.Context, tx pgx.Tx, m directory.Mail) error {
		_, err := o.ComposeTx(ctx, tx, DecisionMail(m))
		return err
	}
}

// DecisionMail is the mail telling an owner, in French then English, of a
// review decision (templates/mails/organisation_decision).
func DecisionMail(m directory.Mail) Mail {
	return Mail{Name: "organisation_decision", Purpose: m.Purpose, Langs: []string{"fr", "en"},
		To: Address{Name: m.To.Name, Email: m.To.Email}, Data: m}
}
