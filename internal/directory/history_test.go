package directory_test

import (
	"context"
	"testing"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
)

// TestAuditKeepsOldAndNewValues: every write of an organisation's own
// fields and children leaves in the audit what each field was and became
// (a creation from nothing, a deletion to nothing), which the History
// page shows, with the platform team unnamed.
func TestAuditKeepsOldAndNewValues(t *testing.T) {
	t.Parallel()
	s, pool, _ := demoStore(t)
	ctx := context.Background()
	p := orgBySlug(t, s, "ecpat-luxembourg")
	owner := audit.Actor{UserID: 0, Label: "owner@example.org"}
	staff := audit.Actor{Label: "staff@example.org", Role: "staff"}
	latest := func(action string) audit.HistoryEntry {
		t.Helper()
		h, err := s.History(ctx, p.ID, 0, audit.MaxHistoryPage)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range h.Entries {
			if e.Action == action {
				return e
			}
		}
		t.Fatalf("no %s in the History", action)
		return audit.HistoryEntry{}
	}

	f := p.Offices[0]
	oldCity := f.City
	f.City, f.Covers = "Esch-sur-Alzette", []string{"BE", "FR"}
	if err := s.UpdateOffice(ctx, staff, p.ID, &f); err != nil {
		t.Fatal(err)
	}
	e := latest("office.update")
	if c := e.Changes["city"]; c.Old != oldCity || c.New != "Esch-sur-Alzette" {
		t.Errorf("office city: %+v", c)
	}
	if c, ok := e.Changes["covers"]; !ok || len(c.New.([]any)) != 2 {
		t.Errorf("office covers: %+v", e.Changes)
	}
	if _, ok := e.Changes["name"]; ok || e.Who != audit.WhoPlatform || e.Name != "" {
		t.Errorf("unchanged field kept, or staff named: %+v", e)
	}

	m := directory.Member{FullName: "Aïssata Traoré", RoleTitle: "Coordinatrice", Email: "a.traore@example.org"}
	if err := s.AddMember(ctx, owner, p.ID, &m); err != nil {
		t.Fatal(err)
	}
	e = latest("member.create")
	if c := e.Changes["full_name"]; c.Old != nil || c.New != "Aïssata Traoré" {
		t.Errorf("new member: %+v", e.Changes)
	}
	if c := e.Changes["email"]; c.New != "a.traore@example.org" {
		t.Errorf("the owners do not see the member's address: %+v", e.Changes)
	}
	if err := s.DeleteMember(ctx, owner, p.ID, m.ID, m.Version); err != nil {
		t.Fatal(err)
	}
	e = latest("member.delete")
	if c := e.Changes["role_title"]; c.Old != "Coordinatrice" || c.New != nil {
		t.Errorf("deleted member: %+v", e.Changes)
	}
	if e.Who != audit.WhoSystem {
		t.Errorf("an actor with no user: %q", e.Who)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE organisation_id = $1 AND details ? 'changes'
		AND details->'changes' ? 'id'`, p.ID).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d entries keep row ids as changes (%v)", n, err)
	}
}
