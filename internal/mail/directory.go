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
		_, err := o.EnqueueTx(ctx, tx, Message{Purpose: m.Purpose, Lang: m.Lang, To: Address{Name: m.ToName, Email: m.ToEmail},
			Subject: m.Subject, Text: m.Text, HTML: m.HTML})
		return err
	}
}
