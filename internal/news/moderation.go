package news

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/fault"
)

// Actions of the workflow, as the audit log names them ("article.submit").
const (
	ActionSubmit   = "submit"    // draft → submitted, or → published for a trusted organisation
	ActionApprove  = "approve"   // submitted → published (staff)
	ActionSendBack = "send_back" // submitted → draft, with a reason mailed to the author (staff)
	ActionWithdraw = "withdraw"  // published → withdrawn (the organisation or staff)
)

// move is what an action requires and does.
type move struct {
	from string
	to   string
	who  audience
	// set is the SQL that moves the row (the status and its dates), with
	// @actor the actor's user id and @reason the reason.
	set string
}

// Publishing keeps a back-date given for an import and the first
// publication's date when an edited article is approved again.
const publish = `status = 'published', published_at = COALESCE(published_at, now()),
	first_published_at = COALESCE(first_published_at, now())`

var moves = map[string]move{
	ActionSubmit:   {from: StatusDraft, to: StatusSubmitted, who: editors, set: `status = 'submitted', submitted_at = now()`},
	ActionApprove:  {from: StatusSubmitted, to: StatusPublished, who: reviewers, set: publish + `, sent_back_reason = '', reviewed_by = NULLIF(@actor, 0), reviewed_at = now()`},
	ActionSendBack: {from: StatusSubmitted, to: StatusDraft, who: reviewers, set: `status = 'draft', sent_back_reason = @reason, reviewed_by = NULLIF(@actor, 0), reviewed_at = now()`},
	ActionWithdraw: {from: StatusPublished, to: StatusWithdrawn, who: editors | reviewers, set: `status = 'withdrawn'`},
}

// trustedSubmit is Submit for an organisation an admin marked news_trusted.
var trustedSubmit = move{from: StatusDraft, to: StatusPublished, who: editors, set: publish}

// Submit sends draft id to the staff's review queue, or publishes it at
// once when its organisation is news_trusted (Saved.Status says which),
// with its audit entry and change hook. It returns fault.ErrNotFound for
// an unknown article, fault.ErrForbidden when actor is not one of its
// organisation's owners or editors, and ErrWrongStatus when it is not a
// draft.
func (s *Store) Submit(ctx context.Context, actor audit.Actor, id int64) (Saved, error) {
	return s.move(ctx, actor, id, 0, ActionSubmit, "")
}

// Approve publishes submitted article id, as staff read it at version:
// published_at becomes now unless the article carries a back-date (an
// import) or was published before (an edit approved again). It returns
// fault.ErrNotFound for an unknown article, fault.ErrForbidden when actor
// is not staff or an admin, ErrStale when the article changed since
// version, and ErrWrongStatus when it is not submitted.
func (s *Store) Approve(ctx context.Context, actor audit.Actor, id int64, version int) (Saved, error) {
	return s.move(ctx, actor, id, version, ActionApprove, "")
}

// SendBack returns submitted article id, as staff read it at version, to
// its organisation as a draft with reason, and mails the reason to its
// author (or, when the author's account is gone, to the organisation's
// owners) through the outbox, in the same transaction. Besides Approve's
// errors it returns an Invalid error for a missing or too long reason and
// ErrNoMailer when someone should be mailed and the store has no mailer.
func (s *Store) SendBack(ctx context.Context, actor audit.Actor, id int64, version int, reason string) (Saved, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return Saved{}, fault.InvalidField("reason", "manage.err.required")
	case utf8.RuneCountInString(reason) > MaxReasonLen:
		return Saved{}, fault.InvalidField("reason", "manage.err.too_long")
	}
	return s.move(ctx, actor, id, version, ActionSendBack, reason)
}

// Withdraw takes published article id off the public pages, at the
// request of its organisation's owners or editors or of staff. It returns
// fault.ErrNotFound for an unknown article, fault.ErrForbidden for anyone
// else, and ErrWrongStatus when it is not published.
func (s *Store) Withdraw(ctx context.Context, actor audit.Actor, id int64) (Saved, error) {
	return s.move(ctx, actor, id, 0, ActionWithdraw, "")
}

// move takes action on article id in one transaction: the row locked, the
// actor's right and the status checked, the row moved, the audit entry,
// the author's mail (send back) and the change hook. version 0 accepts any
// version.
func (s *Store) move(ctx context.Context, actor audit.Actor, id int64, version int, action, reason string) (Saved, error) {
	var out Saved
	err := s.write(ctx, func(tx pgx.Tx) error {
		cur, err := lock(ctx, tx, id)
		if err != nil {
			return err
		}
		m := moves[action]
		if action == ActionSubmit && cur.trusted {
			m = trustedSubmit
		}
		if err := authorise(ctx, tx, actor, cur.orgID, m.who); err != nil {
			return err
		}
		if version != 0 && version != cur.version {
			return ErrStale
		}
		if cur.status != m.from {
			return ErrWrongStatus
		}
		out = Saved{ID: id, Slug: cur.slug, Status: m.to}
		if err := tx.QueryRow(ctx, `UPDATE articles SET `+m.set+`, version = version + 1, updated_at = now()
			WHERE id = @id RETURNING version`,
			pgx.NamedArgs{"id": id, "actor": actor.UserID, "reason": reason}).Scan(&out.Version); err != nil {
			return err
		}
		details := map[string]any{"from": cur.status, "to": m.to, "version": out.Version}
		if action == ActionSubmit && cur.trusted {
			details["trusted"] = true
		}
		if reason != "" {
			details["reason"] = reason
		}
		if action == ActionSendBack {
			n, err := s.mailSentBack(ctx, tx, cur, reason)
			if err != nil {
				return err
			}
			details["mailed"] = n
		}
		if err := audit.Record(ctx, tx, actor, audit.Entry{Action: "article." + action, EntityType: "article", EntityID: id,
			OrganisationID: cur.orgID, Details: details}); err != nil {
			return err
		}
		return s.changed(ctx, tx, id, cur.orgID)
	})
	if err != nil {
		return Saved{}, fmt.Errorf("news: %s article %d: %w", action, id, err)
	}
	return out, nil
}

// mailSentBack mails reason to the article's author, or to its
// organisation's owners when the author's account is gone or disabled,
// and returns how many were mailed.
func (s *Store) mailSentBack(ctx context.Context, tx pgx.Tx, cur *current, reason string) (int, error) {
	// Users and memberships belong to the accounts package; the recipients
	// are read here so the mail commits with the decision.
	rows, _ := tx.Query(ctx, `
		SELECT u.name, u.email FROM users u WHERE u.id = $1 AND NOT u.disabled
		UNION ALL
		SELECT u.name, u.email FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.organisation_id = $2 AND m.role = 'owner' AND NOT u.disabled
			AND NOT EXISTS (SELECT 1 FROM users a WHERE a.id = $1 AND NOT a.disabled)`, cur.authorUserID, cur.orgID)
	to, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Person])
	if err != nil {
		return 0, err
	}
	if len(to) > 0 && s.mailer == nil {
		return 0, ErrNoMailer
	}
	for _, p := range to {
		m := Mail{Purpose: PurposeSentBack, To: p, Organisation: cur.orgName, Title: cur.title, Reason: reason,
			Link: s.baseURL + "/manage/" + cur.orgSlug + "/news"}
		if err := s.mailer(ctx, tx, m); err != nil {
			return 0, err
		}
	}
	return len(to), nil
}

// SetTrusted marks organisation orgID as trusted for news (its
// submissions are published at once) or not, with its audit entry. It
// returns fault.ErrNotFound for an unknown organisation and
// fault.ErrForbidden when actor is not an admin.
func (s *Store) SetTrusted(ctx context.Context, actor audit.Actor, orgID int64, trusted bool) error {
	err := s.write(ctx, func(tx pgx.Tx) error {
		if err := authorise(ctx, tx, actor, orgID, admins); err != nil {
			return err
		}
		var was bool
		err := tx.QueryRow(ctx, `SELECT news_trusted FROM organisations WHERE id = $1 FOR UPDATE`, orgID).Scan(&was)
		if errors.Is(err, pgx.ErrNoRows) {
			return fault.ErrNotFound
		}
		if err != nil || was == trusted {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE organisations SET news_trusted = $2 WHERE id = $1`, orgID, trusted); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: "organisation.news_trust", EntityType: "organisation",
			EntityID: orgID, OrganisationID: orgID, Details: map[string]any{"trusted": trusted}})
	})
	if err != nil {
		return fmt.Errorf("news: set organisation %d trusted=%t: %w", orgID, trusted, err)
	}
	return nil
}
