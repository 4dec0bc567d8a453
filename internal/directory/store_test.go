package directory_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/demo"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/postgres"
	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
)

func newStore(t *testing.T) (*directory.Store, func() int) {
	t.Helper()
	pool := pgtest.NewPool(t)
	var hooks int
	store := directory.NewStore(pool, func(ctx context.Context, tx pgx.Tx, id int64) error {
		hooks++
		return nil
	})
	if err := postgres.InTx(context.Background(), pool, func(tx pgx.Tx) error {
		return store.UpsertThemes(context.Background(), tx, demo.Themes)
	}); err != nil {
		t.Fatal(err)
	}
	return store, func() int { return hooks }
}

func TestCreateAndReadECPATProfile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, hooks := newStore(t)
	if _, err := store.Create(ctx, audit.System("test"), demo.Organisations()[0]); err != nil {
		t.Fatal(err)
	}
	if hooks() != 1 {
		t.Errorf("change hook ran %d times, want 1 (the index job rides in the same transaction)", hooks())
	}
	p, err := store.Profile(ctx, "ecpat-luxembourg", directory.ProfileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Offices) != 2 || p.Offices[0].Kind != directory.OfficeHeadquarters || p.Offices[0].Country != "LU" ||
		p.Offices[1].City != "Bamako" || p.Offices[1].Country != "ML" || p.Offices[1].OpenedYear != 2007 {
		t.Errorf("offices = %+v, want Luxembourg HQ then Bamako (ML) since 2007", p.Offices)
	}
	var names []string
	for _, m := range p.Members {
		names = append(names, m.FullName)
		if m.OfficeID != p.Offices[1].ID {
			t.Errorf("%s is not attached to the Bamako office", m.FullName)
		}
	}
	if fmt.Sprint(names) != "[Fabienne Boubacar Halimatou]" {
		t.Errorf("team = %v", names)
	}
	if len(p.Projects) != 4 || len(p.Themes) != 2 || fmt.Sprint(p.Countries) != "[LU ML]" || len(p.SocialLinks) != 2 {
		t.Errorf("projects=%d themes=%v countries=%v links=%v", len(p.Projects), p.Themes, p.Countries, p.SocialLinks)
	}
	contacts, err := store.ContactPoints(ctx, p.ID)
	if err != nil || len(contacts) != 1 || contacts[0].Email != "c.wantz@ecpat.lu" || !contacts[0].Default {
		t.Errorf("contacts = %+v, %v; want c.wantz@ecpat.lu as default", contacts, err)
	}
}

func TestProfileHidesUnpublishedAndPrivate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, _ := newStore(t)
	eai := demo.Organisations()[3] // has a private member
	if _, err := store.Create(ctx, audit.System("test"), eai); err != nil {
		t.Fatal(err)
	}
	draft := demo.Organisations()[1]
	draft.Status = directory.StatusDraft
	if _, err := store.Create(ctx, audit.System("test"), draft); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Profile(ctx, draft.Slug, directory.ProfileOptions{}); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("draft profile: err = %v, want ErrNotFound", err)
	}
	if _, err := store.Profile(ctx, draft.Slug, directory.ProfileOptions{Unpublished: true}); err != nil {
		t.Errorf("draft profile for its editors: %v", err)
	}
	pub, err := store.Profile(ctx, eai.Slug, directory.ProfileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	all, err := store.Profile(ctx, eai.Slug, directory.ProfileOptions{Private: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Members) != len(pub.Members)+1 {
		t.Errorf("public view shows %d members, private view %d: the private member must be hidden", len(pub.Members), len(all.Members))
	}
	for _, m := range pub.Members {
		if !m.Public {
			t.Errorf("private member %s in the public profile", m.FullName)
		}
	}
}

func TestCreateRejectsBadInputAndDuplicates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, _ := newStore(t)
	tests := []struct {
		name   string
		mutate func(*directory.NewOrganisation)
		field  string
	}{
		{"bad slug", func(n *directory.NewOrganisation) { n.Slug = "Not A Slug" }, "slug"},
		{"no name", func(n *directory.NewOrganisation) { n.Name = " " }, "name"},
		{"unknown country", func(n *directory.NewOrganisation) { n.Countries = []string{"XX"} }, "countries"},
		{"office country", func(n *directory.NewOrganisation) { n.Offices[0].Country = "ZZ" }, "offices[0].country"},
		{"bad contact email", func(n *directory.NewOrganisation) { n.Contacts[0].Email = "nope" }, "contacts[0].email"},
		{"published without contact", func(n *directory.NewOrganisation) { n.Contacts = nil }, "contacts"},
		{"bad website", func(n *directory.NewOrganisation) { n.Website = "javascript:alert(1)" }, "website"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := demo.Organisations()[1]
			tt.mutate(n)
			_, err := store.Create(ctx, audit.System("test"), n)
			if !errors.Is(err, fault.ErrInvalid) || fault.FieldsOf(err)[tt.field] == "" {
				t.Fatalf("err = %v, want a validation error on %s", err, tt.field)
			}
		})
	}
	n := demo.Organisations()[1]
	if _, err := store.Create(ctx, audit.System("test"), n); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Create(ctx, audit.System("test"), demo.Organisations()[1]); !errors.Is(err, fault.ErrConflict) {
		t.Errorf("second create with the same slug: err = %v, want ErrConflict", err)
	}
}

func TestDatabaseEnforcesInvariants(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	bad := []struct{ name, sql string }{
		{"published without default contact", `INSERT INTO organisations (slug, name, iati_type, status) VALUES ('x', 'X', 22, 'published')`},
		{"unknown IATI type", `INSERT INTO organisations (slug, name, iati_type) VALUES ('x', 'X', 99)`},
		{"bad slug", `INSERT INTO organisations (slug, name, iati_type) VALUES ('X Y', 'X', 22)`},
		{"bad status", `INSERT INTO organisations (slug, name, iati_type, status) VALUES ('x', 'X', 22, 'gone')`},
	}
	for _, b := range bad {
		if _, err := pool.Exec(ctx, b.sql); err == nil {
			t.Errorf("%s: accepted by the database", b.name)
		}
	}
	var id int64
	if err := pool.QueryRow(ctx, `INSERT INTO organisations (slug, name, iati_type) VALUES ('a', 'A', 22) RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO offices (organisation_id, name, kind, city, country_code) VALUES ($1, 'HQ', 'headquarters', 'X', 'LU')`, id); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO offices (organisation_id, name, kind, city, country_code) VALUES ($1, 'HQ2', 'headquarters', 'Y', 'LU')`, id); err == nil {
		t.Error("a second headquarters was accepted")
	}
	if _, err := pool.Exec(ctx, `INSERT INTO offices (organisation_id, name, kind, city, country_code) VALUES ($1, 'O', 'field', 'Y', 'QQ')`, id); err == nil {
		t.Error("an unknown country code was accepted")
	}
}

func TestListKeysetPaginationAndFilters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, _ := newStore(t)
	for _, o := range demo.Organisations() {
		if _, err := store.Create(ctx, audit.System("test"), o); err != nil {
			t.Fatal(err)
		}
	}
	all, err := store.List(ctx, directory.ListFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if all.Total != 14 || len(all.Cards) != 14 || all.Next != "" || all.Prev != "" {
		t.Fatalf("all: total=%d cards=%d next=%q prev=%q", all.Total, len(all.Cards), all.Next, all.Prev)
	}
	// Walk forward 5 at a time, then back, and see the same order.
	var forward []string
	page, err := store.List(ctx, directory.ListFilter{Limit: 5})
	for err == nil {
		for _, c := range page.Cards {
			forward = append(forward, c.Slug)
		}
		if page.Next == "" {
			break
		}
		page, err = store.List(ctx, directory.ListFilter{Limit: 5, After: page.Next})
	}
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range all.Cards {
		if forward[i] != c.Slug {
			t.Fatalf("forward walk differs at %d: %v", i, forward)
		}
	}
	back, err := store.List(ctx, directory.ListFilter{Limit: 5, Before: page.Prev})
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Cards) != 5 || back.Cards[0].Slug != forward[5] || back.Prev == "" || back.Next == "" {
		t.Errorf("previous page = %d cards from %s, want 5 from %s with both links", len(back.Cards), back.Cards[0].Slug, forward[5])
	}

	ml, err := store.List(ctx, directory.ListFilter{Country: "ML", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range ml.Cards {
		found = found || c.Slug == "ecpat-luxembourg"
	}
	if !found || ml.Total != len(ml.Cards) || ml.Total < 3 {
		t.Errorf("country ML: total %d, ECPAT listed: %v", ml.Total, found)
	}
	theme, err := store.List(ctx, directory.ListFilter{Theme: "water-sanitation", Limit: 100})
	if err != nil || theme.Total != 2 {
		t.Errorf("theme water-sanitation: %d organisations, %v; want 2", theme.Total, err)
	}
	if _, err := store.List(ctx, directory.ListFilter{After: "%%%"}); !errors.Is(err, directory.ErrBadCursor) {
		t.Errorf("bad cursor: err = %v", err)
	}
}
