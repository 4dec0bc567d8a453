package offers_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/offers"
)

func TestWorkflowTransitionsAreEnforced(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits())
	staff := e.staff(t)
	r := e.submit(t, submission("ecpat-luxembourg", directory.SupportVolunteering, "w@example.com", "fr"))

	steps := []struct {
		to   string
		want error
	}{
		{offers.StatusAccepted, fault.ErrConflict}, // new → accepted skips review
		{offers.StatusInReview, nil},
		{offers.StatusNew, fault.ErrConflict},
		{offers.StatusForwarded, nil},
		{offers.StatusSpam, fault.ErrConflict},
		{offers.StatusAccepted, nil},
		{offers.StatusDeclined, fault.ErrConflict},
		{offers.StatusClosed, nil},
		{offers.StatusInReview, fault.ErrConflict}, // closed is final
	}
	for _, st := range steps {
		if err := e.store.ChangeStatus(ctx(), staff, r.ID, st.to, 0); !errors.Is(err, st.want) {
			t.Fatalf("→ %s: %v, want %v", st.to, err, st.want)
		}
	}
	d, err := e.store.Get(ctx(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != offers.StatusClosed || d.ClosedAt == nil || d.FirstResponseAt == nil {
		t.Errorf("status %s closed_at %v first_response_at %v", d.Status, d.ClosedAt, d.FirstResponseAt)
	}
	var path []string
	for _, h := range d.History {
		path = append(path, h.To)
	}
	if fmt.Sprint(path) != "[new in_review forwarded accepted closed]" {
		t.Errorf("history %v", path)
	}
	if n := e.count(t, `SELECT count(*) FROM audit_log WHERE action = 'offer.status' AND entity_id = $1 AND actor_user_id = $2`, r.ID, staff.UserID); n != 4 {
		t.Errorf("audited status changes: %d, want 4", n)
	}
	// The contact, the acknowledgment, then the donor hears of forwarded and accepted.
	if len(d.Mails) != 4 || d.RoutingBasis == "" || d.RoutedToEmail == "" {
		t.Errorf("detail: %d mails, routing %q → %q", len(d.Mails), d.RoutingBasis, d.RoutedToEmail)
	}

	// A stale version is a conflict.
	r2 := e.submit(t, submission("ecpat-luxembourg", directory.SupportGoods, "w2@example.com", "fr"))
	if err := e.store.ChangeStatus(ctx(), staff, r2.ID, offers.StatusInReview, 1); err != nil {
		t.Fatal(err)
	}
	if err := e.store.ChangeStatus(ctx(), staff, r2.ID, offers.StatusForwarded, 1); !errors.Is(err, fault.ErrConflict) {
		t.Errorf("stale version: %v, want ErrConflict", err)
	}
	if err := e.store.ChangeStatus(ctx(), staff, 999999, offers.StatusInReview, 0); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("unknown offer: %v, want ErrNotFound", err)
	}
}

func TestInboxFiltersCountsNotesAndSpam(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits())
	staff := e.staff(t)
	var ids []int64
	for i := 0; i < 5; i++ {
		s := submission("ecpat-luxembourg", directory.SupportVolunteering, fmt.Sprintf("v%d@example.com", i), "fr")
		if i == 0 {
			s.Message = "Je suis pilote de drone et peux filmer."
		}
		ids = append(ids, e.submit(t, s).ID)
	}
	ids = append(ids, e.submit(t, submission("enfance-et-avenir-international", directory.SupportDonation, "d@example.com", "en")).ID)
	// One offer is ten days old and still unanswered.
	if _, err := e.pool.Exec(ctx(), `UPDATE offers SET created_at = now() - interval '10 days' WHERE id = $1`, ids[1]); err != nil {
		t.Fatal(err)
	}
	if n, err := e.store.MarkSpam(ctx(), staff, []int64{ids[2], ids[3], 999999}); err != nil || n != 2 {
		t.Fatalf("bulk spam: %d, %v", n, err)
	}

	all, err := e.store.List(ctx(), offers.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if all.Total != 6 || all.Counts[offers.StatusNew] != 4 || all.Counts[offers.StatusSpam] != 2 || all.Overdue != 1 {
		t.Errorf("total %d counts %v overdue %d", all.Total, all.Counts, all.Overdue)
	}
	cases := []struct {
		name string
		f    offers.Filter
		want int
	}{
		{"status", offers.Filter{Status: offers.StatusSpam}, 2},
		{"kind", offers.Filter{Kind: directory.SupportDonation}, 1},
		{"words in the message", offers.Filter{Query: "drone"}, 1},
		{"words in the donor's email", offers.Filter{Query: "v4@"}, 1},
		{"a LIKE wildcard is literal", offers.Filter{Query: "%"}, 0},
		{"overdue", offers.Filter{Overdue: true}, 1},
		{"date range", offers.Filter{From: time.Now().AddDate(0, 0, -2), To: time.Now()}, 5},
		{"one organisation", offers.Filter{OrganisationID: all.Offers[0].OrganisationID}, 1},
		{"page size", offers.Filter{PerPage: 4, Page: 2}, 2},
	}
	for _, tc := range cases {
		l, err := e.store.List(ctx(), tc.f)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(l.Offers) != tc.want {
			t.Errorf("%s: %d offers, want %d", tc.name, len(l.Offers), tc.want)
		}
	}

	if err := e.store.AddNote(ctx(), staff, ids[0], "  "); !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("empty note: %v", err)
	}
	if err := e.store.AddNote(ctx(), staff, ids[0], "Called the donor, very motivated."); err != nil {
		t.Fatal(err)
	}
	d, err := e.store.Get(ctx(), ids[0])
	if err != nil || len(d.Notes) != 1 || d.Notes[0].Author != "staff@partnerdir.test" {
		t.Fatalf("notes: %+v %v", d, err)
	}
	if err := e.store.Assign(ctx(), staff, ids[0], staff.UserID); err != nil {
		t.Fatal(err)
	}
	if d, err := e.store.Get(ctx(), ids[0]); err != nil || d.AssignedName != "Sam Staff" {
		t.Errorf("assigned to %q (%v), want Sam Staff", d.AssignedName, err)
	}
}

// staff creates a staff user and returns them as an audit actor.
func (e *env) staff(t *testing.T) audit.Actor {
	t.Helper()
	id, err := accounts.NewStore(e.pool, accounts.WithFastHashing()).CreateUser(ctx(), audit.System("test"),
		accounts.NewUser{Email: "staff@partnerdir.test", Name: "Sam Staff", Role: accounts.RoleStaff})
	if err != nil {
		t.Fatal(err)
	}
	return audit.Actor{UserID: id, Label: "staff@partnerdir.test"}
}

func TestRerouteSendsAgainToTheNewContact(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits())
	staff := e.staff(t)
	r := e.submit(t, submission("enfance-et-avenir-international", directory.SupportGoods, "g@example.com", "fr"))
	var dons, foreign int64
	if err := e.pool.QueryRow(ctx(), `SELECT id FROM contact_points WHERE email = 'dons@enfance-avenir.example.org'`).Scan(&dons); err != nil {
		t.Fatal(err)
	}
	if err := e.pool.QueryRow(ctx(), `SELECT id FROM contact_points WHERE email = 'c.wantz@ecpat.lu'`).Scan(&foreign); err != nil {
		t.Fatal(err)
	}
	if err := e.store.Reroute(ctx(), staff, r.ID, foreign); !errors.Is(err, fault.ErrInvalid) {
		t.Fatalf("another organisation's contact: %v, want a validation error", err)
	}
	if err := e.store.Reroute(ctx(), staff, r.ID, dons); err != nil {
		t.Fatal(err)
	}
	d, err := e.store.Get(ctx(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.RoutingBasis != offers.BasisManual || d.RoutedToEmail != "dons@enfance-avenir.example.org" || len(d.Mails) != 3 ||
		d.Mails[2].To != "dons@enfance-avenir.example.org" || d.Mails[2].Purpose != "offer_contact" {
		t.Errorf("after reroute: basis %s to %s, mails %+v", d.RoutingBasis, d.RoutedToEmail, d.Mails)
	}
	if n := e.count(t, `SELECT count(*) FROM river_job WHERE kind = 'send_mail'`); n != 3 {
		t.Errorf("delivery jobs: %d, want 3", n)
	}
}

func TestStats(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits())
	staff := e.staff(t)
	a := e.submit(t, submission("ecpat-luxembourg", directory.SupportVolunteering, "a@example.com", "fr"))
	e.submit(t, submission("ecpat-luxembourg", directory.SupportVolunteering, "b@example.com", "fr"))
	c := e.submit(t, submission("ecpat-luxembourg", directory.SupportDonation, "c@example.com", "fr"))
	if _, err := e.pool.Exec(ctx(), `UPDATE offers SET created_at = now() - interval '3 weeks' WHERE id = $1`, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Exec(ctx(), `UPDATE offers SET created_at = now() - interval '2 days' WHERE id = $1`, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.store.ChangeStatus(ctx(), staff, a.ID, offers.StatusInReview, 0); err != nil {
		t.Fatal(err)
	}
	st, err := e.store.Stats(ctx())
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, w := range st.Weeks {
		total += w.Count
	}
	if len(st.Weeks) != 12 || total != 3 {
		t.Errorf("weeks %d, total %d; want 12 weeks, 3 offers", len(st.Weeks), total)
	}
	kinds := map[directory.SupportKind]int{}
	for _, k := range st.Kinds {
		kinds[k.Kind] = k.Count
	}
	if kinds[directory.SupportVolunteering] != 2 || kinds[directory.SupportDonation] != 1 || len(st.Kinds) != 6 {
		t.Errorf("kinds %v", kinds)
	}
	if st.OpenByAge[0].Count != 1 || st.OpenByAge[1].Count != 1 || st.OpenByAge[3].Count != 1 {
		t.Errorf("open by age %+v", st.OpenByAge)
	}
	if st.Responded != 1 || st.MedianFirstResponse < 47*time.Hour || st.MedianFirstResponse > 49*time.Hour {
		t.Errorf("median first response %s over %d", st.MedianFirstResponse, st.Responded)
	}
}
