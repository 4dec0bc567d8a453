// Package mail owns outgoing email: composing messages from the templates in
// web/templates/mails (plain text and HTML, in French, English or both,
// worded from web/locales), storing them in the mail_messages outbox inside
// the caller's transaction, and delivering them over SMTP from a background
// job that sends each stored message at most once.
package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/jobs"
)

// Message statuses.
const (
	StatusQueued = "queued"
	StatusSent   = "sent"
	// StatusFailed means the server refused the message permanently (5xx),
	// or for now on the job's last attempt; it will not be retried.
	StatusFailed = "failed"
)

// Address is a mailbox with an optional display name.
type Address struct {
	Name  string
	Email string
}

// String formats a as "Name <email>", quoting the name as needed.
func (a Address) String() string {
	return (&mail.Address{Name: a.Name, Address: a.Email}).String()
}

// Message is one composed mail to store and send.
type Message struct {
	// OfferID links the mail to the offer that caused it, 0 for none.
	OfferID int64
	// Purpose says why the mail exists, e.g. "offer_contact".
	Purpose string
	Lang    string
	To      Address
	ReplyTo Address
	Subject string
	Text    string
	HTML    string
	// ForgetWhenSent: see Mail.ForgetWhenSent.
	ForgetWhenSent bool
	// Headers: see Mail.Headers.
	Headers []Header
	// IdempotencyKey: see Mail.IdempotencyKey.
	IdempotencyKey string
}

// Outbox composes messages, stores them in the caller's transaction and
// enqueues their delivery jobs there too, so a message exists exactly when
// the change that caused it commits.
type Outbox struct {
	jobs     *jobs.Client
	renderer *Renderer
	// domain is the right-hand side of generated Message-IDs (MAIL_FROM's).
	domain string
}

// NewOutbox returns an outbox that composes with renderer, enqueues with
// inserter and names Message-IDs after from's domain.
func NewOutbox(inserter *jobs.Client, from string, renderer *Renderer) (*Outbox, error) {
	a, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("mail: MAIL_FROM %q: %w", from, err)
	}
	if renderer == nil {
		return nil, errors.New("mail: an outbox needs a renderer")
	}
	_, domain, _ := strings.Cut(a.Address, "@")
	return &Outbox{jobs: inserter, renderer: renderer, domain: domain}, nil
}

// ComposeTx renders m from its templates, stores the message in tx with a
// new stable Message-ID and enqueues its delivery job in the same
// transaction. It returns the message's row id, or 0 when m has an
// IdempotencyKey a stored message already has: nothing is stored or sent
// again (under concurrency the second transaction waits for the first and
// then finds its row).
func (o *Outbox) ComposeTx(ctx context.Context, tx pgx.Tx, m Mail) (int64, error) {
	msg, err := o.renderer.Render(m)
	if err != nil {
		return 0, err
	}
	return o.enqueueTx(ctx, tx, msg)
}

func (o *Outbox) enqueueTx(ctx context.Context, tx pgx.Tx, m Message) (int64, error) {
	if err := m.check(); err != nil {
		return 0, err
	}
	var id int64
	err := tx.QueryRow(ctx, `
		INSERT INTO mail_messages (message_id, offer_id, purpose, lang, to_name, to_email, reply_to_name, reply_to_email, subject, text_body, html_body,
			forget_when_sent, headers, idempotency_key)
		VALUES ($1, NULLIF($2, 0), $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, NULLIF($14, ''))
		ON CONFLICT (idempotency_key) DO NOTHING
		RETURNING id`,
		o.newMessageID(), m.OfferID, m.Purpose, m.Lang, HeaderSafe(m.To.Name), m.To.Email,
		HeaderSafe(m.ReplyTo.Name), m.ReplyTo.Email, HeaderSafe(m.Subject), m.Text, m.HTML, m.ForgetWhenSent, m.headersJSON(),
		m.IdempotencyKey).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil // a message with this idempotency key exists: it is the one
	}
	if err != nil {
		return 0, fmt.Errorf("mail: store %s message: %w", m.Purpose, err)
	}
	if _, err := o.jobs.InsertTx(ctx, tx, jobs.SendMail{MessageID: id}, nil); err != nil {
		return 0, fmt.Errorf("mail: enqueue delivery of message %d: %w", id, err)
	}
	return id, nil
}

func (o *Outbox) newMessageID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%d.%s@%s", time.Now().Unix(), hex.EncodeToString(b), o.domain)
}

// HeaderSafe makes s fit for a header value: line breaks and other control
// characters become spaces, so a name or subject cannot add a header.
func HeaderSafe(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// Record is a stored message as staff see it in an offer's mail log.
type Record struct {
	ID        int64
	MessageID string
	Purpose   string
	To        string
	Subject   string
	Status    string
	Attempts  int
	LastError string
	CreatedAt time.Time
	SentAt    *time.Time
}

// Querier runs a query: a pool, a connection or a transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// ForOffer returns the mails of an offer, oldest first.
func ForOffer(ctx context.Context, db Querier, offerID int64) ([]Record, error) {
	rows, _ := db.Query(ctx, `
		SELECT id, message_id, purpose, to_email, subject, status, attempts, last_error, created_at, sent_at
		FROM mail_messages WHERE offer_id = $1 ORDER BY id`, offerID)
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Record])
	if err != nil {
		return nil, fmt.Errorf("mail: messages of offer %d: %w", offerID, err)
	}
	return rs, nil
}
