package mail

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/news"
)

// NewsMailer lets the news store mail authors (an article sent back by
// staff) through the outbox, in the store's transaction.
func (o *Outbox) NewsMailer() news.Mailer {
	return func(ctx context.Context, tx pgx.Tx, m news.Mail) error {
		_, err := o.ComposeTx(ctx, tx, NewsMail(m))
		return err
	}
}

// NewsMail is the mail telling an author, in French then English, what
// staff decided on their article (templates/mails/PURPOSE).
func NewsMail(m news.Mail) Mail {
	return Mail{Name: m.Purpose, Langs: []string{"fr", "en"}, To: Address{Name: m.To.Name, Email: m.To.Email}, Data: m}
}
