package mail

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/partnerdir/partnerdir/internal/jobs"
)

// ComposeManyTx is ComposeTx for many mails at once: each is rendered and
// checked first, then all are stored as StoreManyTx does. It returns the
// messages' row ids in the order of ms; nothing is stored when one of
// them is refused.
func (o *Outbox) ComposeManyTx(ctx context.Context, tx pgx.Tx, ms []Mail) ([]int64, error) {
	msgs := make([]Message, len(ms))
	for i, m := range ms {
		var err error
		if msgs[i], err = o.renderer.Render(m); err != nil {
			return nil, err
		}
	}
	return o.StoreManyTx(ctx, tx, msgs)
}

// Render composes m from its templates without storing it: a message
// that many recipients get with only a detail changed (a digest whose
// unsubscribe link is each subscriber's) is rendered once and copied.
func (o *Outbox) Render(m Mail) (Message, error) { return o.renderer.Render(m) }

// StoreManyTx stores composed messages (see Render) with one statement,
// each with a new stable Message-ID, and enqueues their delivery jobs with
// one more, in tx (a digest to every subscriber). It returns the rows' ids
// in the order of msgs; nothing is stored when one is refused.
func (o *Outbox) StoreManyTx(ctx context.Context, tx pgx.Tx, msgs []Message) ([]int64, error) {
	if len(msgs) == 0 {
		return nil, nil
	}
	n := len(msgs)
	cols := struct {
		messageID, purpose, lang, toName, toEmail, replyName, replyEmail, subject, text, html, headers []string
		offerID                                                                                        []int64
		forget                                                                                         []bool
	}{}
	for _, msg := range msgs {
		if err := msg.check(); err != nil {
			return nil, err
		}
		cols.messageID = append(cols.messageID, o.newMessageID())
		cols.offerID = append(cols.offerID, msg.OfferID)
		cols.purpose = append(cols.purpose, msg.Purpose)
		cols.lang = append(cols.lang, msg.Lang)
		cols.toName = append(cols.toName, HeaderSafe(msg.To.Name))
		cols.toEmail = append(cols.toEmail, msg.To.Email)
		cols.replyName = append(cols.replyName, HeaderSafe(msg.ReplyTo.Name))
		cols.replyEmail = append(cols.replyEmail, msg.ReplyTo.Email)
		cols.subject = append(cols.subject, HeaderSafe(msg.Subject))
		cols.text = append(cols.text, msg.Text)
		cols.html = append(cols.html, msg.HTML)
		cols.forget = append(cols.forget, msg.ForgetWhenSent)
		cols.headers = append(cols.headers, string(msg.headersJSON()))
	}
	rows, _ := tx.Query(ctx, `
		INSERT INTO mail_messages (message_id, offer_id, purpose, lang, to_name, to_email, reply_to_name, reply_to_email, subject, text_body, html_body,
			forget_when_sent, headers)
		SELECT m, NULLIF(oid, 0), p, l, tn, te, rn, re, s, tb, hb, f, h::jsonb
		FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
			$10::text[], $11::text[], $12::bool[], $13::text[]) AS x(m, oid, p, l, tn, te, rn, re, s, tb, hb, f, h)
		RETURNING id, message_id`,
		cols.messageID, cols.offerID, cols.purpose, cols.lang, cols.toName, cols.toEmail, cols.replyName, cols.replyEmail,
		cols.subject, cols.text, cols.html, cols.forget, cols.headers)
	byMessageID := make(map[string]int64, n)
	var id int64
	var messageID string
	if _, err := pgx.ForEachRow(rows, []any{&id, &messageID}, func() error {
		byMessageID[messageID] = id
		return nil
	}); err != nil {
		return nil, fmt.Errorf("mail: store %d messages: %w", n, err)
	}
	ids := make([]int64, n)
	params := make([]river.InsertManyParams, n)
	for i, mid := range cols.messageID {
		ids[i] = byMessageID[mid]
		params[i] = river.InsertManyParams{Args: jobs.SendMail{MessageID: ids[i]}}
	}
	if _, err := o.jobs.InsertManyFastTx(ctx, tx, params); err != nil {
		return nil, fmt.Errorf("mail: enqueue delivery of %d messages: %w", n, err)
	}
	return ids, nil
}
