package directory_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/demo"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/joining"
	"github.com/partnerdir/partnerdir/internal/news"
	"github.com/partnerdir/partnerdir/internal/offers"
	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
	"github.com/partnerdir/partnerdir/internal/suggestions"
)

// mergeFixture is the demo data with a second listing of ECPAT
// Luxembourg, as /join would create it, holding one row of every kind a
// merge moves; jobs counts index jobs per organisation.
type mergeFixture struct {
	s         *directory.Store
	pool      *pgxpool.Pool
	kept, dup int64
	mu        sync.Mutex
	jobs      map[int64]int
}

func newMergeFixture(t *testing.T) *mergeFixture {
	t.Helper()
	ctx := context.Background()
	f := &mergeFixture{pool: pgtest.NewPool(t), jobs: map[int64]int{}}
	f.s = directory.NewStore(f.pool, func(ctx context.Context, tx pgx.Tx, id int64) error {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.jobs[id]++
		return nil
	}, directory.WithMovers(directory.Mover{Kind: "memberships", Move: accounts.MoveMemberships},
		directory.Mover{Kind: "offers", Move: offers.MoveOffers}, directory.Mover{Kind: "articles", Move: news.MoveArticles},
		directory.Mover{Kind: "suggestions", Move: suggestions.MoveSuggestions},
		directory.Mover{Kind: "claims", Move: joining.MoveClaims}))
	if _, err := demo.Load(ctx, f.pool, f.s); err != nil {
		t.Fatal(err)
	}
	dup := demo.Organisations()[0] // ECPAT again: same offices, team, projects, contact, links
	dup.Slug, dup.Status = "ecpat-luxembourg-2", directory.StatusPending
	dup.ThemeSlugs = append(dup.ThemeSlugs, "education")
	var err error
	if f.dup, err = f.s.Create(ctx, audit.System("test"), dup); err != nil {
		t.Fatal(err)
	}
	f.kept = orgBySlug(t, f.s, "ecpat-luxembourg").ID
	// What /join and the other packages add: owners and editors, an
	// identifier, a document, a rule, an offer, an article, a suggestion.
	exec(t, f.pool, `INSERT INTO users (email, name, password_hash) VALUES
		('both@example.org', 'Both', ''), ('dup@example.org', 'Dup only', ''), ('kept@example.org', 'Kept only', '')`)
	exec(t, f.pool, `INSERT INTO memberships (user_id, organisation_id, role)
		SELECT id, $1, 'editor' FROM users WHERE email IN ('both@example.org', 'kept@example.org')`, f.kept)
	exec(t, f.pool, `INSERT INTO memberships (user_id, organisation_id, role)
		SELECT id, $1, 'owner' FROM users WHERE email IN ('both@example.org', 'dup@example.org')`, f.dup)
	exec(t, f.pool, `INSERT INTO organisation_identifiers (organisation_id, scheme, value) VALUES ($1, 'LU-RCS', 'F00000001'), ($1, 'XI-IATI', 'XI-IATI-DUP')`, f.dup)
	exec(t, f.pool, `INSERT INTO organisation_identifiers (organisation_id, scheme, value) VALUES ($1, 'XI-IATI', 'XI-IATI-KEPT')`, f.kept)
	exec(t, f.pool, `INSERT INTO documents (organisation_id, kind, title, file_name, size_bytes, sha256)
		VALUES ($1, 'annual_report', 'Rapport 2024', 'rapport-0123456789abcdef.pdf', 10, repeat('a', 64))`, f.dup)
	exec(t, f.pool, `INSERT INTO routing_rules (organisation_id, support_kind, contact_point_id)
		SELECT $1, k, default_contact_id FROM organisations, unnest(ARRAY['donation', 'goods']) k WHERE id = $1`, f.dup)
	exec(t, f.pool, `INSERT INTO routing_rules (organisation_id, support_kind, contact_point_id)
		SELECT id, 'donation', default_contact_id FROM organisations WHERE id = $1`, f.kept)
	exec(t, f.pool, `INSERT INTO offers (reference, organisation_id, office_id, support_kind, message, donor_name, donor_email, donor_lang,
			consent_version, consent_at, routing_basis, routed_to_email)
		SELECT 'OFR-2026-900001', $1, (SELECT id FROM offices WHERE organisation_id = $1 AND city = 'Bamako'), 'goods', 'Des livres',
			'Donor', 'donor@example.org', 'fr', 'v1', now(), 'default_contact', 'c.wantz@ecpat.lu'`, f.dup)
	exec(t, f.pool, `INSERT INTO articles (organisation_id, slug) VALUES ($1, 'doublon-communique')`, f.dup)
	exec(t, f.pool, `INSERT INTO article_offices (organisation_id, article_id, office_id)
		SELECT $1, a.id, o.id FROM articles a, offices o WHERE a.slug = 'doublon-communique' AND o.organisation_id = $1 AND o.city = 'Bamako'`, f.dup)
	exec(t, f.pool, `INSERT INTO suggestions (organisation_id, section, body) VALUES ($1, 'other', 'Doublon de ECPAT Luxembourg')`, f.dup)
	// Claims of the duplicate: an admin claim that stays pending, a
	// domain claim (its link proved the duplicate's website), a claim of
	// someone who claims the kept organisation too, and a decided one.
	exec(t, f.pool, `INSERT INTO users (email, name, password_hash) VALUES
		('claim-admin@example.org', 'Admin claim', ''), ('claim-domain@example.org', 'Domain claim', ''), ('claim-twice@example.org', 'Twice', '')`)
	exec(t, f.pool, `INSERT INTO organisation_claims (organisation_id, user_id, method, email, message)
		SELECT $1, id, 'admin', email, 'Je suis la directrice' FROM users WHERE email IN ('claim-admin@example.org', 'claim-twice@example.org')`, f.dup)
	exec(t, f.pool, `INSERT INTO organisation_claims (organisation_id, user_id, method, email, token_hash, expires_at)
		SELECT $1, id, 'domain', email, '\x00ff', now() + interval '1 day' FROM users WHERE email = 'claim-domain@example.org'`, f.dup)
	exec(t, f.pool, `INSERT INTO organisation_claims (organisation_id, user_id, method, email, message, status, decided_at, reason)
		SELECT $1, id, 'admin', email, 'Moi', 'rejected', now(), 'Inconnu' FROM users WHERE email = 'claim-domain@example.org'`, f.dup)
	exec(t, f.pool, `INSERT INTO organisation_claims (organisation_id, user_id, method, email, message)
		SELECT $1, id, 'admin', email, 'Moi aussi' FROM users WHERE email = 'claim-twice@example.org'`, f.kept)
	return f
}

func exec(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) {
	t.Helper()
	if _, err := pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// mergeTables are the tables a merge moves rows of, counted per
// organisation.
var mergeTables = []string{"offices", "team_members", "projects", "contact_points", "routing_rules", "documents",
	"organisation_identifiers", "organisation_themes", "organisation_countries", "social_links", "memberships",
	"offers", "articles", "article_offices", "suggestions", "organisation_claims"}

func (f *mergeFixture) counts(t *testing.T, org int64) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range mergeTables {
		var n int
		if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM `+table+` WHERE organisation_id = $1`, org).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

func TestMergeMovesEveryKindOfRow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newMergeFixture(t)
	keptBefore, dupBefore := f.counts(t, f.kept), f.counts(t, f.dup)
	for _, table := range mergeTables {
		if dupBefore[table] == 0 {
			t.Fatalf("the duplicate has no %s: the fixture does not test it", table)
		}
	}
	preview, err := f.s.PreviewMerge(ctx, f.dup, "ecpat-luxembourg")
	if err != nil {
		t.Fatal(err)
	}
	if got := f.counts(t, f.dup); got["offices"] != dupBefore["offices"] || got["offers"] != dupBefore["offers"] {
		t.Fatalf("the preview moved rows: %v", got)
	}
	admin := audit.Actor{UserID: 0, Label: "admin@example.org", Role: "admin"}
	res, err := f.s.Merge(ctx, admin, f.dup, "ecpat-luxembourg")
	if err != nil {
		t.Fatal(err)
	}
	if res.From.ID != f.dup || res.Into.ID != f.kept || res.Renamed != 4 {
		t.Errorf("result = %+v, want the 4 same-slug projects renamed", res)
	}
	moved := map[string]int{}
	for _, c := range res.Moved {
		moved[c.Kind] = c.N
	}
	if len(preview.Moved) != len(res.Moved) {
		t.Errorf("preview moved %v, the merge %v", preview.Moved, res.Moved)
	}
	keptAfter, dupAfter := f.counts(t, f.kept), f.counts(t, f.dup)
	for _, table := range mergeTables {
		if dupAfter[table] != 0 {
			t.Errorf("%s: %d rows left on the duplicate", table, dupAfter[table])
		}
	}
	// What the kept organisation already had is not doubled: the same
	// social networks, the donation rule, the XI-IATI scheme, the themes
	// and countries both had; "both@" was a member of both.
	want := map[string]int{
		"offices": 4, "team_members": 6, "projects": 8, "contact_points": 2, "documents": 1, "offers": 1,
		"articles": 1, "article_offices": 1, "suggestions": 1,
		"routing_rules":            keptBefore["routing_rules"] + 1,
		"organisation_identifiers": 2,
		"organisation_themes":      keptBefore["organisation_themes"] + 1,
		"organisation_countries":   keptBefore["organisation_countries"],
		"social_links":             keptBefore["social_links"],
		"memberships":              3,
		"organisation_claims":      keptBefore["organisation_claims"] + 4,
	}
	for table, n := range want {
		if keptAfter[table] != n {
			t.Errorf("%s: kept organisation has %d rows after the merge, want %d (before: kept %d, duplicate %d)",
				table, keptAfter[table], n, keptBefore[table], dupBefore[table])
		}
	}
	if moved["offices"] != 2 || moved["offers"] != 1 || moved["memberships"] != 2 || moved["themes"] != 1 {
		t.Errorf("moved = %v", moved)
	}
	var roles []string
	rows, _ := f.pool.Query(ctx, `SELECT u.email || ':' || m.role FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.organisation_id = $1 ORDER BY 1`, f.kept)
	roles, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(roles) != 3 || roles[0] != "both@example.org:owner" || roles[1] != "dup@example.org:owner" || roles[2] != "kept@example.org:editor" {
		t.Errorf("memberships = %v, %v: the higher role wins, nobody twice", roles, err)
	}
	// Only the admin claim of someone not claiming the kept organisation
	// already stays pending; history moves as it was.
	rows, _ = f.pool.Query(ctx, `SELECT u.email || ':' || c.method || ':' || c.status FROM organisation_claims c
		JOIN users u ON u.id = c.user_id WHERE c.organisation_id = $1 AND u.email LIKE 'claim-%' ORDER BY 1`, f.kept)
	claims, err := pgx.CollectRows(rows, pgx.RowTo[string])
	wantClaims := []string{"claim-admin@example.org:admin:pending", "claim-domain@example.org:admin:rejected",
		"claim-domain@example.org:domain:expired", "claim-twice@example.org:admin:expired", "claim-twice@example.org:admin:pending"}
	if err != nil || len(claims) != len(wantClaims) {
		t.Errorf("claims = %v, %v; want %v", claims, err, wantClaims)
	} else {
		for i := range wantClaims {
			if claims[i] != wantClaims[i] {
				t.Errorf("claims = %v; want %v", claims, wantClaims)
				break
			}
		}
	}
	var heads int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM offices WHERE organisation_id = $1 AND kind = 'headquarters'`, f.kept).Scan(&heads); err != nil || heads != 1 {
		t.Errorf("headquarters = %d, %v; want one", heads, err)
	}
	var status string
	var into int64
	if err := f.pool.QueryRow(ctx, `SELECT status, merged_into_id FROM organisations WHERE id = $1`, f.dup).Scan(&status, &into); err != nil ||
		status != directory.StatusMerged || into != f.kept {
		t.Errorf("duplicate: status %q into %d, %v", status, into, err)
	}
	for _, org := range []int64{f.kept, f.dup} {
		var n int
		if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE organisation_id = $1 AND action IN ('organisation.merge', 'organisation.merged')
			AND actor_role = 'admin'`, org).Scan(&n); err != nil || n != 1 {
			t.Errorf("organisation %d: %d merge entries, %v", org, n, err)
		}
	}
	f.mu.Lock()
	if f.jobs[f.kept] == 0 || f.jobs[f.dup] == 0 {
		t.Errorf("index jobs = %v: both organisations are re-indexed", f.jobs)
	}
	f.mu.Unlock()

	// Its addresses: the slug, a renamed project's, the HSDS id.
	m, err := f.s.Moves(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if to, ok := m.Organisation("ecpat-luxembourg-2"); !ok || to != "ecpat-luxembourg" {
		t.Errorf("moves: %q, %v", to, ok)
	}
	if _, ok := m.Organisation("ecpat-luxembourg"); ok {
		t.Error("the kept organisation is not moved")
	}
	renamed := m.Project("ecpat-luxembourg-2", "mallette-formation-esec")
	if renamed == "mallette-formation-esec" {
		t.Error("a renamed project keeps no redirect")
	}
	if p, err := f.s.Profile(ctx, "ecpat-luxembourg", directory.ProfileOptions{}); err != nil || !hasProject(p, renamed) {
		t.Errorf("the kept profile has no project %q: %v", renamed, err)
	}
	// The slug stays taken while it redirects.
	if _, err := f.s.Create(ctx, audit.System("test"), withSlug(demo.Organisations()[0], "ecpat-luxembourg-2")); !errors.Is(err, fault.ErrConflict) {
		t.Errorf("a new organisation took the merged slug: %v", err)
	}
}

func hasProject(p *directory.Profile, slug string) bool {
	for _, pr := range p.Projects {
		if pr.Slug == slug {
			return true
		}
	}
	return false
}

func withSlug(o *directory.NewOrganisation, slug string) *directory.NewOrganisation {
	o.Slug = slug
	return o
}

func TestMergeRefusalsChangeNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newMergeFixture(t)
	if _, err := f.s.Merge(ctx, audit.System("test"), f.dup, "ecpat-luxembourg"); err != nil {
		t.Fatal(err)
	}
	other := orgBySlug(t, f.s, "enfance-et-avenir-international").ID
	before := f.counts(t, other)
	for _, c := range []struct {
		name string
		from int64
		into string
		want error
	}{
		{"itself", other, "enfance-et-avenir-international", directory.ErrMergeSelf},
		{"unknown target", other, "nobody-here", directory.ErrMergeUnknown},
		{"into a merged organisation", other, "ecpat-luxembourg-2", directory.ErrMergeIntoMerged},
		{"a merged organisation again", f.dup, "enfance-et-avenir-international", directory.ErrAlreadyMerged},
		{"unknown duplicate", 999999, "enfance-et-avenir-international", fault.ErrNotFound},
	} {
		if _, err := f.s.Merge(ctx, audit.System("test"), c.from, c.into); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if after := f.counts(t, other); !equalCounts(before, after) {
		t.Errorf("a refused merge changed rows: %v → %v", before, after)
	}
	if err := f.s.Decide(ctx, audit.System("test"), f.dup, directory.DecisionVerify, ""); !errors.Is(err, fault.ErrConflict) {
		t.Errorf("a decision on a merged organisation: %v", err)
	}
}

func equalCounts(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return len(a) == len(b)
}
