package mail

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// AddressPattern matches what looks like an email address: a run of
// characters that cannot delimit an address on each side of an "@". It is
// written in the syntax both Go and PostgreSQL (regexp_replace) read, so
// SQL that scrubs stored text uses the same rule as the worker.
const AddressPattern = `[^][[:space:]<>()",;:'@]+@[^][[:space:]<>()",;:'@]+`

// RedactedAddress replaces each address RedactAddresses finds.
const RedactedAddress = "[address]"

var addressRE = regexp.MustCompile(AddressPattern)

// RedactAddresses replaces every email address in s by RedactedAddress.
// SMTP replies quote the recipient ("550 5.1.1 <x@example.org>: user
// unknown"); what the outbox keeps of them, and logs, must not.
func RedactAddresses(s string) string {
	return addressRE.ReplaceAllLiteralString(s, RedactedAddress)
}

// Execer runs a statement: a pool, a connection or a transaction.
type Execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// PurgeUnlinked empties the mails tied to no offer (account, joining and
// review mails: offers' mails follow their offer's retention) created
// before before, batch rows per statement, and returns how many it
// emptied: recipient, reply-to, subject and bodies go, addresses leave the
// error, the row stays (purpose, status, times) as the outbox's record. A
// mail still queued by then will never be sent: it is marked failed. A
// second run finds nothing.
func PurgeUnlinked(ctx context.Context, db Execer, before time.Time, batch int) (int, error) {
	total := 0
	for {
		tag, err := db.Exec(ctx, `
			WITH batch AS (
				SELECT id FROM mail_messages WHERE offer_id IS NULL AND to_email <> '' AND created_at < $1
				ORDER BY created_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
			UPDATE mail_messages m SET `+emptyMail("$3", "$4")+`
			FROM batch WHERE m.id = batch.id`, before, batch, AddressPattern, RedactedAddress)
		if err != nil {
			return total, fmt.Errorf("mail: empty mails before %s: %w", before.Format(time.RFC3339), err)
		}
		n := int(tag.RowsAffected())
		total += n
		if n < batch {
			return total, nil
		}
	}
}

// emptyMail is the SET list that empties a mail m, given the parameters
// that hold AddressPattern and RedactedAddress.
func emptyMail(pattern, placeholder string) string {
	return `to_name = '', to_email = '', reply_to_name = '', reply_to_email = '',
		subject = '', text_body = '', html_body = '', headers = '[]',
		status = CASE WHEN m.status = 'queued' THEN 'failed' ELSE m.status END,
		last_error = CASE WHEN m.status = 'queued' THEN 'anonymised before delivery'
			ELSE regexp_replace(m.last_error, ` + pattern + `, ` + placeholder + `, 'g') END,
		updated_at = now()`
}

// ForgetRecipientTx empties, in tx, the mails tied to no offer sent to
// email (any case), as PurgeUnlinked does: an erased account's resets,
// invitations, claims and review mails. Given purposes, only the mails of
// those purposes (an erased newsletter subscription's). A mail still
// queued is never sent.
func ForgetRecipientTx(ctx context.Context, tx pgx.Tx, email string, purposes ...string) error {
	if purposes == nil {
		purposes = []string{} // NULL would match nothing
	}
	if _, err := tx.Exec(ctx, `
		UPDATE mail_messages m SET `+emptyMail("$2", "$3")+`
		WHERE m.offer_id IS NULL AND lower(m.to_email) = lower($1) AND (cardinality($4::text[]) = 0 OR m.purpose = ANY($4))`,
		email, AddressPattern, RedactedAddress, purposes); err != nil {
		return fmt.Errorf("mail: empty the mails to an erased address: %w", err)
	}
	return nil
}
