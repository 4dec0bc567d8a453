package directory_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/demo"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/mail/mailtest"
	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
)

// reviewFixture is a store over the demo data that records the mails it
// asks to send, as the outbox renders them, and counts index jobs.
type reviewFixture struct {
	s    *directory.Store
	pool *pgxpool.Pool
	mu   sync.Mutex
	mail []mail.Message
	jobs map[int64]int
}

func newReviewFixture(t *testing.T, withMail bool) *reviewFixture {
	t.Helper()
	f := &reviewFixture{pool: pgtest.NewPool(t), jobs: map[int64]int{}}
	var opts []directory.Option
	if withMail {
		r := mailtest.Renderer(t)
		opts = append(opts, directory.WithMailer(func(ctx context.Context, tx pgx.Tx, m directory.Mail) error {
			msg, err := r.Render(mail.DecisionMail(m))
			if err != nil {
				return err
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			f.mail = append(f.mail, msg)
			return nil
		}, "http://partners.test/"))
	}
	f.s = directory.NewStore(f.pool, func(ctx context.Context, tx pgx.Tx, id int64) error {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.jobs[id]++
		return nil
	}, opts...)
	if _, err := demo.Load(context.Background(), f.pool, f.s); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *reviewFixture) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if _, err := f.pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatal(err)
	}
}

func (f *reviewFixture) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// owner makes a user who owns organisation id.
func (f *reviewFixture) owner(t *testing.T, email string, id int64) {
	t.Helper()
	f.exec(t, `WITH u AS (INSERT INTO users (email, name) VALUES ($1, 'Awa Owner') RETURNING id)
		INSERT INTO memberships (user_id, organisation_id, role) SELECT id, $2, 'owner' FROM u`, email, id)
}

var admin = audit.Actor{Label: "admin@partners.test"}

func TestReviewTransitions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newReviewFixture(t, true)
	org := orgBySlug(t, f.s, "ecpat-luxembourg")
	f.owner(t, "owner@ecpat.test", org.ID)
	f.exec(t, `UPDATE organisations SET status = 'pending' WHERE id = $1`, org.ID)

	l, err := f.s.ReviewList(ctx, directory.ReviewFilter{Status: directory.StatusPending})
	if err != nil {
		t.Fatal(err)
	}
	if l.Total != 1 || len(l.Rows) != 1 || l.Rows[0].ID != org.ID || l.Rows[0].Owner.Email != "owner@ecpat.test" ||
		l.Rows[0].PendingSince == nil || l.Counts[directory.StatusPending] != 1 {
		t.Fatalf("review queue: %+v", l)
	}
	if err := f.s.Decide(ctx, admin, org.ID, directory.DecisionReject, "   "); !errors.Is(err, fault.ErrInvalid) || fault.FieldsOf(err)["reason"] != "manage.err.required" {
		t.Fatalf("reject without a reason: %v", err)
	}
	if n := f.count(t, `SELECT count(*) FROM organisation_decisions`); n != 0 || orgBySlug(t, f.s, org.Slug).Status != directory.StatusPending {
		t.Fatal("a refused rejection changed something")
	}

	jobs := f.jobs[org.ID]
	if err := f.s.Decide(ctx, admin, org.ID, directory.DecisionReject, "Le site web ne fonctionne pas."); err != nil {
		t.Fatal(err)
	}
	if st := orgBySlug(t, f.s, org.Slug).Status; st != directory.StatusDraft {
		t.Errorf("after rejection: %s, want draft", st)
	}
	if len(f.mail) != 1 || f.mail[0].To.Email != "owner@ecpat.test" || !strings.Contains(f.mail[0].Text, "Le site web ne fonctionne pas.") ||
		!strings.Contains(f.mail[0].Text, "http://partners.test/manage/ecpat-luxembourg") || !strings.Contains(f.mail[0].HTML, "Le site web ne fonctionne pas.") {
		t.Errorf("rejection mails: %+v", f.mail)
	}
	if f.jobs[org.ID] != jobs+1 {
		t.Error("the rejection did not enqueue an index job")
	}
	rej, err := f.s.Rejections(ctx, []int64{org.ID})
	if err != nil || rej[org.ID].Reason != "Le site web ne fonctionne pas." {
		t.Errorf("rejections: %+v %v", rej, err)
	}
	evs, err := audit.ForOrganisation(ctx, f.pool, org.ID, 1)
	if err != nil || len(evs) != 1 || evs[0].Action != "organisation.reject" || evs[0].Details["reason"] != "Le site web ne fonctionne pas." {
		t.Errorf("audit: %+v %v", evs, err)
	}

	// Submitted again by its owner, then approved: the rejection is no
	// longer shown.
	if err := f.s.Submit(ctx, editor, org.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Submit(ctx, editor, org.ID); !errors.Is(err, fault.ErrConflict) {
		t.Errorf("submitting a pending organisation: %v, want ErrConflict", err)
	}
	if rej, _ := f.s.Rejections(ctx, []int64{org.ID}); len(rej) != 0 {
		t.Errorf("a resubmitted organisation still shows its rejection: %+v", rej)
	}
	if l, _ := f.s.ReviewList(ctx, directory.ReviewFilter{Status: directory.StatusPending}); l.Total != 1 || l.Rows[0].PendingSince == nil ||
		!l.Rows[0].PendingSince.After(evs[0].OccurredAt) {
		t.Errorf("the resubmission is not back in the queue with a new date: %+v", l.Rows)
	}
	if err := f.s.Decide(ctx, admin, org.ID, directory.DecisionApprove, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Profile(ctx, org.Slug, directory.ProfileOptions{}); err != nil {
		t.Errorf("approved organisation is not public: %v", err)
	}
	if rej, _ := f.s.Rejections(ctx, []int64{org.ID}); len(rej) != 0 {
		t.Errorf("a published organisation still shows a rejection: %+v", rej)
	}
	audits := f.count(t, `SELECT count(*) FROM audit_log WHERE organisation_id = $1`, org.ID)
	if err := f.s.Decide(ctx, admin, org.ID, directory.DecisionApprove, ""); !errors.Is(err, fault.ErrConflict) {
		t.Errorf("approving a published organisation: %v, want ErrConflict", err)
	}
	if err := f.s.Decide(ctx, admin, org.ID, directory.DecisionReinstate, ""); !errors.Is(err, fault.ErrConflict) {
		t.Errorf("reinstating a published organisation: %v, want ErrConflict", err)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE organisation_id = $1`, org.ID); n != audits {
		t.Errorf("refused decisions were audited: %d entries, want %d", n, audits)
	}

	if err := f.s.Decide(ctx, admin, org.ID, directory.DecisionSuspend, ""); !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("suspend without a reason: %v", err)
	}
	if err := f.s.Decide(ctx, admin, org.ID, directory.DecisionSuspend, "Plainte en cours d'examen"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Profile(ctx, org.Slug, directory.ProfileOptions{}); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("suspended organisation is public: %v", err)
	}
	if err := f.s.Decide(ctx, admin, org.ID, directory.DecisionReinstate, ""); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Decide(ctx, admin, org.ID, directory.DecisionVerify, ""); err != nil {
		t.Fatal(err)
	}
	p := orgBySlug(t, f.s, org.Slug)
	if p.Status != directory.StatusPublished || p.LastVerifiedOn == nil || p.LastVerifiedOn.Format(time.DateOnly) != time.Now().Format(time.DateOnly) {
		t.Errorf("after reinstate + verify: %s verified %v", p.Status, p.LastVerifiedOn)
	}
	if err := f.s.Decide(ctx, admin, org.ID, directory.DecisionUnverify, ""); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Decide(ctx, admin, org.ID, directory.DecisionUnverify, ""); !errors.Is(err, fault.ErrConflict) {
		t.Errorf("unverifying twice: %v", err)
	}
	if p := orgBySlug(t, f.s, org.Slug); p.LastVerifiedOn != nil {
		t.Errorf("still verified on %v", p.LastVerifiedOn)
	}
	d, err := f.s.ReviewDetail(ctx, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range d.Decisions {
		got = append(got, x.Decision)
	}
	if strings.Join(got, " ") != "unverify verify reinstate suspend approve reject" {
		t.Errorf("decisions newest first: %v", got)
	}
	if len(d.Events) == 0 || d.Events[0].Action != "organisation.unverify" {
		t.Errorf("latest audit event: %+v", d.Events)
	}
	if err := f.s.Decide(ctx, admin, 999999, directory.DecisionApprove, ""); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("unknown organisation: %v", err)
	}
}

// A decision the server refuses leaves the organisation pending.
func TestRefusedDecisionLeavesPending(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name     string
		withMail bool
		owner    bool
		pending  string // the UPDATE that makes the organisation pending
		decision string
		note     string
		want     error
		why      string
	}{
		{name: "approval needs a default contact", withMail: true,
			pending:  `UPDATE organisations SET status = 'pending', default_contact_id = NULL WHERE id = $1`,
			decision: directory.DecisionApprove, want: directory.ErrNoDefaultContact},
		{name: "rejection without mailer", owner: true,
			pending:  `UPDATE organisations SET status = 'pending' WHERE id = $1`,
			decision: directory.DecisionReject, note: "Incomplet", want: directory.ErrNoMailer,
			why: ": the owners would never learn why"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newReviewFixture(t, c.withMail)
			org := orgBySlug(t, f.s, "ecpat-luxembourg")
			if c.owner {
				f.owner(t, "owner@ecpat.test", org.ID)
			}
			f.exec(t, c.pending, org.ID)
			if err := f.s.Decide(context.Background(), admin, org.ID, c.decision, c.note); !errors.Is(err, c.want) {
				t.Fatalf("%s: %v, want %v", c.name, err, c.want)
			}
			if st := orgBySlug(t, f.s, org.Slug).Status; st != directory.StatusPending {
				t.Errorf("status %s, want pending%s", st, c.why)
			}
		})
	}
}

func TestConcurrentApprovalsOneWins(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newReviewFixture(t, true)
	org := orgBySlug(t, f.s, "ecpat-luxembourg")
	f.exec(t, `UPDATE organisations SET status = 'pending' WHERE id = $1`, org.ID)
	oneWins(t, "approvals", 6, func(int) error { return f.s.Decide(ctx, admin, org.ID, directory.DecisionApprove, "") })
	if c := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'organisation.approve'`); c != 1 {
		t.Errorf("%d approvals audited, want 1", c)
	}
}

func TestReviewListSearchAndPaging(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newReviewFixture(t, false)
	l, err := f.s.ReviewList(ctx, directory.ReviewFilter{Query: "ecpat"})
	if err != nil {
		t.Fatal(err)
	}
	if l.Total != 1 || l.Rows[0].Slug != "ecpat-luxembourg" {
		t.Errorf("search ecpat: %+v", l.Rows)
	}
	all, err := f.s.ReviewList(ctx, directory.ReviewFilter{PerPage: 5, Page: 2})
	if err != nil {
		t.Fatal(err)
	}
	if all.Total != 14 || all.Pages != 3 || len(all.Rows) != 5 {
		t.Errorf("page 2 of 5: total %d pages %d rows %d", all.Total, all.Pages, len(all.Rows))
	}
	if l, _ := f.s.ReviewList(ctx, directory.ReviewFilter{Query: "100%_"}); l.Total != 0 {
		t.Errorf("LIKE wildcards are not escaped: %d rows", l.Total)
	}
	if _, err := f.s.ReviewList(ctx, directory.ReviewFilter{Status: "gone"}); !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("unknown status: %v", err)
	}
}
