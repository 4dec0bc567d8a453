package directory_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/demo"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
)

// demoStore is a store over the demo data whose change hook counts index
// jobs per organisation.
func demoStore(t *testing.T) (*directory.Store, *pgxpool.Pool, func(int64) int) {
	t.Helper()
	pool := pgtest.NewPool(t)
	var mu sync.Mutex
	jobs := map[int64]int{}
	store := directory.NewStore(pool, func(ctx context.Context, tx pgx.Tx, id int64) error {
		mu.Lock()
		defer mu.Unlock()
		jobs[id]++
		return nil
	})
	if _, err := demo.Load(context.Background(), pool, store); err != nil {
		t.Fatal(err)
	}
	return store, pool, func(id int64) int { mu.Lock(); defer mu.Unlock(); return jobs[id] }
}

// oneWins starts n calls of do (each given its number) at the same moment
// and fails unless exactly one succeeds and every other one is refused with
// fault.ErrConflict. what names the calls in the failure.
func oneWins(t *testing.T, what string, n int, do func(i int) error) {
	t.Helper()
	errs := make(chan error, n)
	var start sync.WaitGroup
	start.Add(1)
	for i := range n {
		go func() {
			start.Wait()
			errs <- do(i)
		}()
	}
	start.Done()
	won, conflicts := 0, 0
	for range n {
		switch err := <-errs; {
		case err == nil:
			won++
		case errors.Is(err, fault.ErrConflict):
			conflicts++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if won != 1 || conflicts != n-1 {
		t.Fatalf("%d %s won and %d conflicted, want 1 and %d", won, what, conflicts, n-1)
	}
}

func orgBySlug(t *testing.T, s *directory.Store, slug string) *directory.Profile {
	t.Helper()
	p, err := s.Profile(context.Background(), slug, directory.ProfileOptions{Unpublished: true, Private: true})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var editor = audit.Actor{Label: "editor@example.org"}

func TestUpdateProfileConflictAuditAndIndexJob(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, jobs := demoStore(t)
	p := orgBySlug(t, s, "ecpat-luxembourg")
	before := jobs(p.ID)
	u := directory.ProfileUpdate{Version: p.Version, Name: p.Name, AlternateName: p.AlternateName, Kind: p.Kind,
		Description: directory.Localized{FR: "Nouvelle description", EN: "New description"}, Mission: p.Mission,
		FoundedYear: p.FoundedYear, Website: p.Website, Email: p.Email, Phone: p.Phone, NewsletterURL: p.NewsletterURL,
		ThemeSlugs: []string{"child-protection"}, Countries: []string{"LU", "ML"},
		SocialLinks: []directory.SocialLink{{Network: "facebook", URL: "https://www.facebook.com/ecpatlux"}}}
	v, err := s.UpdateProfile(ctx, editor, p.ID, u)
	if err != nil {
		t.Fatal(err)
	}
	if v != p.Version+1 {
		t.Errorf("new version %d, want %d", v, p.Version+1)
	}
	// The second editor read the same version: their save is refused.
	u.Description.FR = "Écrasement"
	if _, err := s.UpdateProfile(ctx, editor, p.ID, u); !errors.Is(err, fault.ErrConflict) {
		t.Fatalf("stale save: %v, want ErrConflict", err)
	}
	got := orgBySlug(t, s, "ecpat-luxembourg")
	if got.Description.FR != "Nouvelle description" || len(got.Themes) != 1 || got.Themes[0].Slug != "child-protection" ||
		len(got.SocialLinks) != 1 || len(got.Countries) != 2 {
		t.Errorf("saved profile: %+v", got.Organisation)
	}
	if n := jobs(p.ID) - before; n != 1 {
		t.Errorf("%d index jobs enqueued, want 1", n)
	}
	evs, err := audit.ForOrganisation(ctx, pool, p.ID, 1)
	if err != nil || len(evs) != 1 || evs[0].Action != "organisation.update" || evs[0].Actor != "editor@example.org" {
		t.Fatalf("audit: %+v %v", evs, err)
	}
	if fields, _ := evs[0].Details["fields"].([]any); len(fields) == 0 {
		t.Errorf("audit does not say what changed: %v", evs[0].Details)
	}
	u.Version, u.Name, u.Website, u.ThemeSlugs = v, "", "ftp://x", []string{"no-such-theme"}
	if _, err := s.UpdateProfile(ctx, editor, p.ID, u); !errors.Is(err, fault.ErrInvalid) || fault.FieldsOf(err)["name"] == "" || fault.FieldsOf(err)["website"] == "" {
		t.Errorf("bad input: %v", err)
	}
}

func TestChildWritesStayInTheirOrganisation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, jobs := demoStore(t)
	a := orgBySlug(t, s, "ecpat-luxembourg")
	var b *directory.Profile
	list, err := s.List(ctx, directory.ListFilter{Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range list.Cards {
		if p := orgBySlug(t, s, c.Slug); b == nil && p.ID != a.ID && len(p.Offices) > 0 && len(p.Members) > 0 && len(p.Projects) > 0 {
			b = p
		}
	}
	if b == nil {
		t.Fatal("no second demo organisation with offices, members and projects")
	}
	bJobs := jobs(b.ID)
	bo, bm, bp := b.Offices[0], b.Members[0], b.Projects[0]
	checks := map[string]error{
		"update office":  s.UpdateOffice(ctx, editor, a.ID, &bo),
		"delete office":  s.DeleteOffice(ctx, editor, a.ID, bo.ID, bo.Version),
		"update member":  s.UpdateMember(ctx, editor, a.ID, &bm),
		"delete member":  s.DeleteMember(ctx, editor, a.ID, bm.ID, bm.Version),
		"move member":    s.MoveMember(ctx, editor, a.ID, bm.ID, true),
		"update project": s.UpdateProject(ctx, editor, a.ID, &bp, nil),
		"delete project": s.DeleteProject(ctx, editor, a.ID, bp.ID, bp.Version),
	}
	for name, err := range checks {
		if !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("%s of B's record through A: %v, want ErrNotFound", name, err)
		}
	}
	m := directory.Member{FullName: "Intrus", OfficeID: bo.ID, Public: true}
	if err := s.AddMember(ctx, editor, a.ID, &m); !errors.Is(err, fault.ErrInvalid) || fault.FieldsOf(err)["office"] == "" {
		t.Errorf("member of A in B's office: %v", err)
	}
	if after := orgBySlug(t, s, b.Slug); len(after.Offices) != len(b.Offices) || len(after.Members) != len(b.Members) ||
		len(after.Projects) != len(b.Projects) || jobs(b.ID) != bJobs {
		t.Errorf("B changed")
	}
}

func TestOfficeMemberProjectContactLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, _ := demoStore(t)
	a := orgBySlug(t, s, "ecpat-luxembourg")

	f := directory.Office{Name: "Bureau de Dakar", Kind: directory.OfficeCountry, City: "Dakar", Country: "SN"}
	if err := s.AddOffice(ctx, editor, a.ID, &f); err != nil {
		t.Fatal(err)
	}
	stale := f
	f.City = "Dakar-Plateau"
	f.Version = 1
	if err := s.UpdateOffice(ctx, editor, a.ID, &f); err != nil {
		t.Fatal(err)
	}
	var fields []string
	if err := pool.QueryRow(ctx, `SELECT ARRAY(SELECT jsonb_array_elements_text(details->'fields')) FROM audit_log
		WHERE action = 'office.update' ORDER BY id DESC LIMIT 1`).Scan(&fields); err != nil || len(fields) != 1 || fields[0] != "city" {
		t.Errorf("audit of the office update says fields %v (%v), want [city]", fields, err)
	}
	if err := s.UpdateOffice(ctx, editor, a.ID, &stale); !errors.Is(err, fault.ErrConflict) {
		t.Errorf("stale office save: %v", err)
	}
	hq := directory.Office{Name: "Second siège", Kind: directory.OfficeHeadquarters, City: "Paris", Country: "FR"}
	if err := s.AddOffice(ctx, editor, a.ID, &hq); !errors.Is(err, fault.ErrInvalid) || fault.FieldsOf(err)["kind"] == "" {
		t.Errorf("second headquarters: %v", err)
	}

	m1 := directory.Member{FullName: "Awa Diop", OfficeID: f.ID, Public: true}
	m2 := directory.Member{FullName: "Moussa Ba", Public: false}
	for _, m := range []*directory.Member{&m1, &m2} {
		if err := s.AddMember(ctx, editor, a.ID, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.MoveMember(ctx, editor, a.ID, m2.ID, true); err != nil {
		t.Fatal(err)
	}
	p := orgBySlug(t, s, a.Slug)
	n := len(p.Members)
	if n < 2 || p.Members[n-2].ID != m2.ID || p.Members[n-1].ID != m1.ID {
		t.Errorf("after moving Moussa up, the order ends with %v", p.Members[n-2:])
	}
	pub, _ := s.Profile(ctx, a.Slug, directory.ProfileOptions{})
	for _, m := range pub.Members {
		if m.ID == m2.ID {
			t.Error("a private member is on the public profile")
		}
	}

	pr := directory.Project{Slug: "ecoles-dakar", Title: "Écoles de Dakar", Status: directory.ProjectImplementation, LeadOfficeID: f.ID,
		SupportSought: []directory.SupportKind{directory.SupportVolunteering}, Countries: []string{"SN"}}
	if err := s.AddProject(ctx, editor, a.ID, &pr, []string{"education"}); err != nil {
		t.Fatal(err)
	}
	dup := directory.Project{Slug: "ecoles-dakar", Title: "Doublon", Status: directory.ProjectPipeline}
	if err := s.AddProject(ctx, editor, a.ID, &dup, nil); !errors.Is(err, fault.ErrInvalid) || fault.FieldsOf(err)["slug"] == "" {
		t.Errorf("duplicate project slug: %v", err)
	}

	cp := directory.ContactPoint{Name: "Dakar", Email: "dakar@example.org", RoleCode: 1, OfficeID: f.ID}
	if err := s.AddContact(ctx, editor, a.ID, &cp); err != nil {
		t.Fatal(err)
	}
	r := directory.Rule{SupportKind: directory.SupportVolunteering, ProjectID: pr.ID, ContactPointID: cp.ID}
	if err := s.AddRule(ctx, editor, a.ID, &r); err != nil {
		t.Fatal(err)
	}
	again := r
	if err := s.AddRule(ctx, editor, a.ID, &again); !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("duplicate rule: %v", err)
	}
	if err := s.DeleteContact(ctx, editor, a.ID, a.DefaultContactID, 1); !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("deleting the default contact: %v", err)
	}
	cp.Default = true
	if err := s.UpdateContact(ctx, editor, a.ID, &cp); err != nil {
		t.Fatal(err)
	}
	if p := orgBySlug(t, s, a.Slug); p.DefaultContactID != cp.ID {
		t.Errorf("default contact %d, want %d", p.DefaultContactID, cp.ID)
	}
	if err := s.DeleteRule(ctx, editor, a.ID, r.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteProject(ctx, editor, a.ID, pr.ID, pr.Version); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteOffice(ctx, editor, a.ID, f.ID, f.Version); err != nil {
		t.Fatal(err)
	}
	if p := orgBySlug(t, s, a.Slug); p.Office(f.ID) != nil {
		t.Error("office still there")
	}
}

func TestConcurrentSavesOneWinsOneConflicts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, _ := demoStore(t)
	p := orgBySlug(t, s, "ecpat-luxembourg")
	save := func(text string) error {
		_, err := s.UpdateProfile(ctx, editor, p.ID, directory.ProfileUpdate{Version: p.Version, Name: p.Name, Kind: p.Kind,
			Description: directory.Localized{FR: text}, Countries: p.Countries, ThemeSlugs: []string{"child-protection"}})
		return err
	}
	oneWins(t, "saves", 8, func(i int) error { return save("version " + string(rune('A'+i))) })
	if got := orgBySlug(t, s, "ecpat-luxembourg"); got.Version != p.Version+1 {
		t.Errorf("version %d, want %d", got.Version, p.Version+1)
	}
}
