package directory_test

import (
	"context"
	"testing"
	"time"

	"github.com/partnerdir/partnerdir/internal/directory"
)

// A verification counts for VERIFICATION_VALIDITY months: a visitor no
// longer sees an expired mark, on the profile, the cards or the verified
// list, and the list's count follows.
func TestVerificationExpiresAfterItsValidity(t *testing.T) {
	t.Parallel()
	s, pool, _ := demoStore(t)
	ctx := context.Background()
	p := orgBySlug(t, s, "ecpat-luxembourg")
	setVerified := func(on time.Time) {
		t.Helper()
		if _, err := pool.Exec(ctx, `UPDATE organisations SET last_verified_on = $2 WHERE id = $1`, p.ID, on); err != nil {
			t.Fatal(err)
		}
	}
	verifiedCards := func(s *directory.Store) []string {
		t.Helper()
		page, err := s.List(ctx, directory.ListFilter{Verified: true, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var slugs []string
		for _, c := range page.Cards {
			if c.VerifiedOn == nil {
				t.Errorf("%s listed as verified without a current verification", c.Slug)
			}
			slugs = append(slugs, c.Slug)
		}
		if page.Total != len(slugs) {
			t.Errorf("verified total %d for %d cards", page.Total, len(slugs))
		}
		return slugs
	}
	if _, err := pool.Exec(ctx, `UPDATE organisations SET last_verified_on = NULL WHERE id <> $1`, p.ID); err != nil {
		t.Fatal(err)
	}

	today := time.Now().UTC().Truncate(24 * time.Hour)
	setVerified(today.AddDate(0, -23, 0)) // 23 months ago: still counts
	if got := orgBySlug(t, s, "ecpat-luxembourg"); got.LastVerifiedOn == nil {
		t.Error("a 23-month-old verification is not shown")
	}
	if c, err := s.CardBySlug(ctx, p.Slug); err != nil || c.VerifiedOn == nil {
		t.Errorf("card of a verified organisation: %+v, %v", c.VerifiedOn, err)
	}
	if got := verifiedCards(s); len(got) != 1 || got[0] != "ecpat-luxembourg" {
		t.Errorf("verified list %v, want ECPAT alone", got)
	}

	s2 := directory.NewStore(pool, nil, directory.WithVerificationValidity(24))
	setVerified(today.AddDate(0, -24, 0)) // exactly 24 months: expired today
	for name, st := range map[string]*directory.Store{"default": s, "24 months": s2} {
		if got := orgBySlug(t, st, "ecpat-luxembourg"); got.LastVerifiedOn != nil {
			t.Errorf("%s: an expired verification (%s) is shown", name, got.LastVerifiedOn)
		}
		if c, _ := st.CardBySlug(ctx, p.Slug); c.VerifiedOn != nil {
			t.Errorf("%s: an expired verification is on the card", name)
		}
	}
	// (A new store: the row was changed behind the first one's count
	// cache, which the day's cut-off keys in production.)
	if got := verifiedCards(s2); len(got) != 0 {
		t.Errorf("verified list %v after expiry, want none", got)
	}
	// A longer validity keeps it.
	long := directory.NewStore(pool, nil, directory.WithVerificationValidity(36))
	if got := orgBySlug(t, long, "ecpat-luxembourg"); got.LastVerifiedOn == nil {
		t.Error("with 36 months a 24-month-old verification is not shown")
	}
}

// A change of name or of website withdraws the verification, audited; any
// other change keeps it.
func TestRenameOrNewWebsiteWithdrawsTheVerification(t *testing.T) {
	t.Parallel()
	s, pool, _ := demoStore(t)
	ctx := context.Background()
	p := orgBySlug(t, s, "ecpat-luxembourg")
	if p.LastVerifiedOn == nil {
		t.Fatal("the demo's ECPAT Luxembourg is not verified")
	}
	update := func(p *directory.Profile, name, website, description string) {
		t.Helper()
		u := directory.ProfileUpdate{Version: p.Version, Name: name, AlternateName: p.AlternateName, Kind: p.Kind,
			Description: directory.Localized{FR: description}, Mission: p.Mission, FoundedYear: p.FoundedYear, Website: website,
			Email: p.Email, Phone: p.Phone, NewsletterURL: p.NewsletterURL, ThemeSlugs: []string{"child-protection"}, Countries: p.Countries}
		if _, err := s.UpdateProfile(ctx, editor, p.ID, u); err != nil {
			t.Fatal(err)
		}
	}
	update(p, p.Name, p.Website, "Une autre description")
	if got := orgBySlug(t, s, p.Slug); got.LastVerifiedOn == nil {
		t.Fatal("a new description withdrew the verification")
	}
	for _, c := range []struct{ what, name, website string }{
		{"name", "ECPAT Lëtzebuerg", p.Website},
		{"website", p.Name, "https://ecpat-lux.example.org"},
	} {
		if _, err := pool.Exec(ctx, `UPDATE organisations SET last_verified_on = current_date WHERE id = $1`, p.ID); err != nil {
			t.Fatal(err)
		}
		cur := orgBySlug(t, s, p.Slug)
		update(cur, c.name, c.website, "Une autre description")
		if got := orgBySlug(t, s, p.Slug); got.LastVerifiedOn != nil {
			t.Errorf("a new %s kept the verification", c.what)
		}
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'organisation.unverify' AND entity_id = $1
			AND details->'fields' ? $2 AND actor = $3`, p.ID, c.what, editor.Label).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("withdrawal after a new %s audited %d times, want 1", c.what, n)
		}
	}
}
