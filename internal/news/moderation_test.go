package news_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/news"
)

// TestStateMachine tries every action from every status, for an
// organisation staff review and for a trusted one: the allowed moves give
// their status, every other is ErrWrongStatus and changes nothing.
func TestStateMachine(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	type act func(s news.Saved) (news.Saved, error)
	actions := map[string]act{
		"submit":  func(s news.Saved) (news.Saved, error) { return f.store.Submit(ctx, f.editor, s.ID) },
		"approve": func(s news.Saved) (news.Saved, error) { return f.store.Approve(ctx, f.staff, s.ID, s.Version) },
		"send back": func(s news.Saved) (news.Saved, error) {
			return f.store.SendBack(ctx, f.staff, s.ID, s.Version, "À revoir.")
		},
		"withdraw": func(s news.Saved) (news.Saved, error) { return f.store.Withdraw(ctx, f.editor, s.ID) },
		"edit": func(s news.Saved) (news.Saved, error) {
			return f.store.Update(ctx, f.editor, s.ID, s.Version, input("Modifié "+s.Slug))
		},
		"delete": func(s news.Saved) (news.Saved, error) {
			return news.Saved{Status: "deleted"}, f.store.Delete(ctx, f.editor, s.ID)
		},
	}
	const refused = ""
	// to[trusted][action][from] is the status reached, or refused.
	to := map[bool]map[string]map[string]string{
		false: {
			"submit":    {news.StatusDraft: news.StatusSubmitted},
			"approve":   {news.StatusSubmitted: news.StatusPublished},
			"send back": {news.StatusSubmitted: news.StatusDraft},
			"withdraw":  {news.StatusPublished: news.StatusWithdrawn},
			"edit": {news.StatusDraft: news.StatusDraft, news.StatusSubmitted: news.StatusSubmitted,
				news.StatusPublished: news.StatusSubmitted},
			"delete": {news.StatusDraft: "deleted"},
		},
		true: {
			"submit":    {news.StatusDraft: news.StatusPublished},
			"approve":   {news.StatusSubmitted: news.StatusPublished},
			"send back": {news.StatusSubmitted: news.StatusDraft},
			"withdraw":  {news.StatusPublished: news.StatusWithdrawn},
			"edit": {news.StatusDraft: news.StatusDraft, news.StatusSubmitted: news.StatusSubmitted,
				news.StatusPublished: news.StatusPublished},
			"delete": {news.StatusDraft: "deleted"},
		},
	}
	for _, trusted := range []bool{false, true} {
		for name, do := range actions {
			for _, from := range news.Statuses() {
				f.exec(t, `UPDATE organisations SET news_trusted = false WHERE id = $1`, f.ecpat)
				s := f.at(t, from) // reached through the review workflow
				f.exec(t, `UPDATE organisations SET news_trusted = $2 WHERE id = $1`, f.ecpat, trusted)
				got, err := do(s)
				want := to[trusted][name][from]
				what := name + " from " + from
				if trusted {
					what += " (trusted)"
				}
				if want == refused {
					if !errors.Is(err, news.ErrWrongStatus) {
						t.Errorf("%s: %v, want ErrWrongStatus", what, err)
					}
					if a, err := f.store.ByID(ctx, s.ID); err != nil || a.Status != from || a.Version != s.Version {
						t.Errorf("%s: refused, yet the article is %s v%d (%v)", what, a.Status, a.Version, err)
					}
					continue
				}
				if err != nil || got.Status != want {
					t.Errorf("%s: %s, %v; want %s", what, got.Status, err, want)
					continue
				}
				if want == "deleted" {
					continue
				}
				a, err := f.store.ByID(ctx, s.ID)
				if err != nil || a.Status != want || a.Version != got.Version || got.Version != s.Version+1 {
					t.Errorf("%s: stored %s v%d, returned v%d from v%d (%v)", what, a.Status, a.Version, got.Version, s.Version, err)
				}
				_, pubErr := f.store.BySlug(ctx, s.Slug)
				if public := pubErr == nil; public != (want == news.StatusPublished) {
					t.Errorf("%s: public %t with status %s (%v)", what, public, want, pubErr)
				}
			}
		}
	}
}

// TestEditingAPublishedArticle: a trusted organisation's edit is online at
// once; anyone else's goes back to the review queue and off the public
// pages until staff approve it.
func TestEditingAPublishedArticle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	s := f.at(t, news.StatusPublished)
	up, err := f.store.Update(ctx, f.editor, s.ID, s.Version, input("Corrigé par une organisation relue"))
	if err != nil || up.Status != news.StatusSubmitted {
		t.Fatalf("untrusted edit: %+v, %v", up, err)
	}
	if _, err := f.store.BySlug(ctx, s.Slug); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("the edited article is still public: %v", err)
	}
	if q, _ := f.store.ReviewQueue(ctx, 0); len(q) != 1 || q[0].ID != s.ID || q[0].SubmittedAt == nil {
		t.Errorf("review queue %+v", q)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'article.update' AND entity_id = $1
		AND details->>'from' = 'published' AND details->>'to' = 'submitted'`, s.ID); n != 1 {
		t.Errorf("%d audit entries saying the edit went back to review", n)
	}
	if _, err := f.store.Approve(ctx, f.staff, s.ID, up.Version); err != nil {
		t.Fatal(err)
	}

	if err := f.store.SetTrusted(ctx, f.admin, f.ecpat, true); err != nil {
		t.Fatal(err)
	}
	a, _ := f.store.ByID(ctx, s.ID)
	up, err = f.store.Update(ctx, f.editor, s.ID, a.Version, input("Corrigé par une organisation de confiance"))
	if err != nil || up.Status != news.StatusPublished {
		t.Fatalf("trusted edit: %+v, %v", up, err)
	}
	if pub, err := f.store.BySlug(ctx, s.Slug); err != nil || pub.Translations[0].Title != "Corrigé par une organisation de confiance" {
		t.Errorf("the trusted edit is not online: %v", err)
	}
}

// TestWhoMayDoWhat: owners and editors (their address proven) write their
// own organisation's articles; staff review; admins mark organisations
// trusted; anyone else is forbidden and changes nothing.
func TestWhoMayDoWhat(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	disabled := f.user(t, "gone@ecpat.test", "Gone", "", f.ecpat, "editor")
	f.exec(t, `UPDATE users SET disabled = true WHERE id = $1`, disabled.UserID)
	// An account whose address is not proven holds no right, as in every
	// membership lookup of the accounts package.
	unverified := f.user(t, "new@ecpat.test", "New", "", f.ecpat, "editor")
	f.exec(t, `UPDATE users SET email_verified_at = NULL WHERE id = $1`, unverified.UserID)
	nobody := audit.Actor{UserID: 1 << 40, Label: "nobody"}
	actors := map[string]audit.Actor{"owner": f.owner, "editor": f.editor, "other NGO": f.stranger, "staff": f.staff,
		"admin": f.admin, "disabled editor": disabled, "unverified editor": unverified, "unknown user": nobody, "system": audit.System("cli")}
	allowed := map[string][]string{
		"create":      {"owner", "editor", "system"},
		"edit":        {"owner", "editor", "system"},
		"submit":      {"owner", "editor", "system"},
		"delete":      {"owner", "editor", "system"},
		"approve":     {"staff", "admin", "system"},
		"send back":   {"staff", "admin", "system"},
		"withdraw":    {"owner", "editor", "staff", "admin", "system"},
		"set trusted": {"admin", "system"},
	}
	// Each attempt prepares its article, then returns the action to try.
	type act func(a audit.Actor) error
	attempts := map[string]func() act{
		"create": func() act {
			return func(a audit.Actor) error {
				_, err := f.store.Create(ctx, a, f.ecpat, input("Par "+a.Label))
				return err
			}
		},
		"edit": func() act {
			s := f.at(t, news.StatusDraft)
			return func(a audit.Actor) error {
				_, err := f.store.Update(ctx, a, s.ID, s.Version, input("Édité"))
				return err
			}
		},
		"submit": func() act {
			s := f.at(t, news.StatusDraft)
			return func(a audit.Actor) error { _, err := f.store.Submit(ctx, a, s.ID); return err }
		},
		"delete": func() act {
			s := f.at(t, news.StatusDraft)
			return func(a audit.Actor) error { return f.store.Delete(ctx, a, s.ID) }
		},
		"approve": func() act {
			s := f.at(t, news.StatusSubmitted)
			return func(a audit.Actor) error { _, err := f.store.Approve(ctx, a, s.ID, s.Version); return err }
		},
		"send back": func() act {
			s := f.at(t, news.StatusSubmitted)
			return func(a audit.Actor) error { _, err := f.store.SendBack(ctx, a, s.ID, s.Version, "Non."); return err }
		},
		"withdraw": func() act {
			s := f.at(t, news.StatusPublished)
			return func(a audit.Actor) error { _, err := f.store.Withdraw(ctx, a, s.ID); return err }
		},
		"set trusted": func() act {
			f.exec(t, `UPDATE organisations SET news_trusted = false WHERE id = $1`, f.sahel)
			return func(a audit.Actor) error { return f.store.SetTrusted(ctx, a, f.sahel, true) }
		},
	}
	for action, prepare := range attempts {
		for name, a := range actors {
			try := prepare()
			last := f.count(t, `SELECT COALESCE(max(id), 0) FROM audit_log`)
			err := try(a)
			ok := slices.Contains(allowed[action], name)
			switch {
			case ok && err != nil:
				t.Errorf("%s by %s: %v", action, name, err)
			case ok && f.count(t, `SELECT count(*) FROM audit_log WHERE id > $1 AND actor = $2`, last, a.Label) != 1:
				t.Errorf("%s by %s is not audited once", action, name)
			case !ok && !errors.Is(err, fault.ErrForbidden):
				t.Errorf("%s by %s: %v, want forbidden", action, name, err)
			case !ok && f.count(t, `SELECT count(*) FROM audit_log WHERE id > $1`, last) != 0:
				t.Errorf("%s by %s was refused, yet something was audited", action, name)
			}
		}
	}
}

func TestSendBackMailsTheAuthorInBothLanguages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	s := f.at(t, news.StatusSubmitted)
	for _, reason := range []string{"", "   "} {
		_, err := f.store.SendBack(ctx, f.staff, s.ID, s.Version, reason)
		wantFields(t, "send back without a reason", err, map[string]string{"reason": "manage.err.required"})
	}
	if n := f.count(t, `SELECT count(*) FROM mail_messages`); n != 0 {
		t.Fatalf("%d mails queued by refused send-backs", n)
	}
	const reason = "Merci d'ajouter la date de l'atelier."
	sb, err := f.store.SendBack(ctx, f.staff, s.ID, s.Version, "  "+reason+"\n")
	if err != nil || sb.Status != news.StatusDraft {
		t.Fatalf("send back: %+v, %v", sb, err)
	}
	var to, purpose, subject, text, html string
	if err := f.pool.QueryRow(ctx, `SELECT to_email, purpose, subject, text_body, html_body FROM mail_messages`).
		Scan(&to, &purpose, &subject, &text, &html); err != nil {
		t.Fatal(err)
	}
	if to != "editor@ecpat.test" || purpose != news.PurposeSentBack {
		t.Errorf("mail to %s for %s", to, purpose)
	}
	for _, part := range []string{subject, text, html} {
		if !has(part, "Partnerdir") {
			t.Errorf("part without the platform's name: %s", part)
		}
	}
	for _, want := range []string{"est à reprendre", "needs changes", "Reprendre l'article", "Rework the article", reason,
		"http://partners.test/manage/ecpat-luxembourg/news", "Eddy Editor"} {
		if !has(text, want) {
			t.Errorf("text part lacks %q:\n%s", want, text)
		}
	}
	if !has(html, `lang="fr"`, `lang="en"`, "needs changes") {
		t.Errorf("html part is not in both languages:\n%s", html)
	}
	if n := f.count(t, `SELECT count(*) FROM river_job WHERE kind = 'send_mail'`); n != 1 {
		t.Errorf("%d delivery jobs", n)
	}
	a, _ := f.store.ByID(ctx, s.ID)
	if a.SentBackReason != reason || a.ReviewedAt == nil {
		t.Errorf("reason %q reviewed %v", a.SentBackReason, a.ReviewedAt)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'article.send_back' AND entity_id = $1
		AND actor_user_id = $2 AND details->>'reason' = $3 AND (details->>'mailed')::int = 1`, s.ID, f.staff.UserID, reason); n != 1 {
		t.Errorf("%d audit entries for the send-back", n)
	}
	// Approval clears the reason.
	sub, _ := f.store.Submit(ctx, f.editor, s.ID)
	if _, err := f.store.Approve(ctx, f.staff, s.ID, sub.Version); err != nil {
		t.Fatal(err)
	}
	if a, _ := f.store.ByID(ctx, s.ID); a.SentBackReason != "" {
		t.Errorf("reason %q after approval", a.SentBackReason)
	}

	// An author whose account is gone: the owners hear of it instead.
	s2 := f.at(t, news.StatusSubmitted)
	f.exec(t, `DELETE FROM users WHERE id = $1`, f.editor.UserID)
	if _, err := f.store.SendBack(ctx, f.staff, s2.ID, s2.Version, "Toujours pas."); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, `SELECT count(*) FROM mail_messages WHERE to_email = 'owner@ecpat.test' AND text_body LIKE '%Toujours pas.%'`); n != 1 {
		t.Errorf("%d mails to the owner", n)
	}
}

func TestAuditTrailOfAnArticle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	s := f.create(t, input("Une histoire"))
	s, _ = f.store.Submit(ctx, f.editor, s.ID)
	s, _ = f.store.SendBack(ctx, f.staff, s.ID, s.Version, "Trop court.")
	s, _ = f.store.Update(ctx, f.editor, s.ID, s.Version, news.Input{FR: news.Text{Title: "Une histoire", Body: "Plus long."}, Countries: []string{"ML"}})
	s, _ = f.store.Submit(ctx, f.owner, s.ID)
	s, _ = f.store.Approve(ctx, f.admin, s.ID, s.Version)
	if _, err := f.store.Withdraw(ctx, f.staff, s.ID); err != nil {
		t.Fatal(err)
	}
	rows, _ := f.pool.Query(ctx, `SELECT action || ' by ' || actor FROM audit_log WHERE entity_type = 'article' AND entity_id = $1 ORDER BY id`, s.ID)
	var got []string
	for rows.Next() {
		var x string
		_ = rows.Scan(&x)
		got = append(got, x)
	}
	want := []string{"article.create by editor@ecpat.test", "article.submit by editor@ecpat.test", "article.send_back by staff@partners.test",
		"article.update by editor@ecpat.test", "article.submit by owner@ecpat.test", "article.approve by admin@partners.test",
		"article.withdraw by staff@partners.test"}
	if len(got) != len(want) {
		t.Fatalf("audit trail %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d: %q, want %q", i, got[i], want[i])
		}
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'article.update' AND entity_id = $1
		AND details->'fields' = '["lead_fr", "body_fr", "countries"]'::jsonb`, s.ID); n != 1 {
		t.Errorf("the edit's audit entry does not name the changed fields: %s", f.auditDetails(t, "article.update", s.ID))
	}
	if calls := f.hookCalls(); len(calls) != 7 {
		t.Errorf("%d hook calls for 7 writes", len(calls))
	}
	if err := f.store.SetTrusted(ctx, f.admin, f.ecpat, true); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'organisation.news_trust' AND organisation_id = $1
		AND (details->>'trusted')::boolean`, f.ecpat); n != 1 {
		t.Errorf("%d audit entries for the trust", n)
	}
}

func TestReviewQueueOldestFirst(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	a, b, c := f.at(t, news.StatusSubmitted), f.at(t, news.StatusSubmitted), f.at(t, news.StatusSubmitted)
	f.at(t, news.StatusDraft)
	f.at(t, news.StatusPublished)
	// b waited longest; a was sent back and submitted again, so it waits least.
	f.exec(t, `UPDATE articles SET submitted_at = now() - interval '3 days' WHERE id = $1`, b.ID)
	sb, _ := f.store.SendBack(ctx, f.staff, a.ID, a.Version, "Encore.")
	if _, err := f.store.Submit(ctx, f.editor, sb.ID); err != nil {
		t.Fatal(err)
	}
	q, err := f.store.ReviewQueue(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 3 || q[0].ID != b.ID || q[1].ID != c.ID || q[2].ID != a.ID {
		t.Fatalf("queue %v", q)
	}
	if q[0].Author != "Eddy Editor" || q[0].Organisation.Name != "ECPAT Luxembourg" || q[0].In("fr").Title == "" {
		t.Errorf("queue entry %+v", q[0])
	}
}
