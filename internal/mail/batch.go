package mail

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/partnerdir/partnerdir/internal/jobs"
)

// ComposeManyTx is ComposeTx for many mails at once (a digest to every
// subscriber): each is rendered and checked first, then all are stored
// with one statement and their delivery jobs enqueued with one more, in
// tx. It returns the messages' row ids in the order of ms; nothing is
// stored when one of them is refused.
func (o *Outbox) ComposeManyTx(ctx context.Context, tx pgx.Tx, ms []Mail) ([]int64, error) {
	if len(ms) == 0 {
		return nil, nil
	}
	n := len(ms)
	cols := struct {
		messageID, purpose, lang, toName, toEmail, replyName, replyEmail, subject, text, html []string
		offerID                                                                               []int64
		forget                                                                                []bool
		headers                                                                               [][]byte
	}{}
	for _, m := range ms {
		msg, err := o.renderer.Render(m)
		if err != nil {
			return nil, err
		}
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
		cols.headers = append(cols.headers, msg.headersJSON())
	}
	rows, _ := tx.Query(ctx, `
		INSERT INTO mail_messages (message_id, offer_id, purpose, lang, to_name, to_email, reply_to_name, reply_to_email, subject, text_body, html_body,
			forget_when_sent, headers)
		SELECT m, NULLIF(oid, 0), p, l, tn, te, rn, re, s, tb, hb, f, h::jsonb
		FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
			$10::text[], $11::text[], $12::bool[], $13::text[]) AS x(m, oid, p, l, tn, te, rn, re, s, tb, hb, f, h)
		RETURNING id, message_id`,
		cols.messageID, cols.offerID, cols.purpose, cols.lang, cols.toName, cols.toEmail, cols.replyName, cols.replyEmail,
		cols.subject, cols.text, cols.html, cols.forget, jsonTexts(cols.headers))
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

func jsonTexts(bs [][]byte) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = string(b)
	}
	return out
}
