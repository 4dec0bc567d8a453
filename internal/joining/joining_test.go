package joining

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/demo/demotest"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/mail/mailtest"
)

func TestSlugify(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"ECPAT Luxembourg", "ecpat-luxembourg"},
		{"Aide à l'Enfance — Mopti", "aide-a-l-enfance-mopti"},
		{"  Œuvre   des Pères Blancs ", "oeuvre-des-peres-blancs"},
		{"Straße & Søn", "strasse-son"},
		{"Ça va ?!", "ca-va"},
		{"الأمل", "organisation"},
		{"", "organisation"},
		{"Une organisation au nom vraiment très long qui dépasse largement soixante caractères", "une-organisation-au-nom-vraiment-tres-long-qui-depasse-large"},
	}
	for _, tt := range tests {
		got := Slugify(tt.in)
		if got != tt.want || !directory.ValidSlug(got) {
			t.Errorf("Slugify(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestClaimDomainAndEmailDomain(t *testing.T) {
	t.Parallel()
	domains := []struct{ website, want string }{
		{"https://www.ecpat.lu", "ecpat.lu"},
		{"https://www.ecpat.lu/fr/contact", "ecpat.lu"},
		{"http://WWW.Example.ORG.", "example.org"},
		{"https://ngo.org.uk", "ngo.org.uk"},
		{"https://www.ngo.org.uk", "ngo.org.uk"},
		{"https://gmail.com", ""},
		{"", ""},
		{"not a url", ""},
		{"https://127.0.0.1", ""},
	}
	for _, d := range domains {
		if got := ClaimDomain(d.website); got != d.want {
			t.Errorf("ClaimDomain(%q) = %q, want %q", d.website, got, d.want)
		}
	}
	emails := []struct{ email, want string }{
		{"fabienne@ecpat.lu", "ecpat.lu"},
		{"Fabienne@Mail.ECPAT.LU", "ecpat.lu"},
		{"x@ecpat.lu.evil.example", "evil.example"},
		{"no-at-sign", ""},
	}
	for _, e := range emails {
		if got := emailDomain(e.email); got != e.want {
			t.Errorf("emailDomain(%q) = %q, want %q", e.email, got, e.want)
		}
	}
}

func TestConcurrentApplicationsWithOneNameGetDistinctSlugs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, dir := demotest.Load(t)
	outbox, _ := mailtest.Outbox(t, pool, "Partnerdir <no-reply@partners.test>")
	acc := accounts.NewStore(pool, accounts.WithFastHashing(), accounts.WithMail(outbox, "http://partners.test"))
	s := NewStore(pool, Config{Directory: dir, Accounts: acc, Outbox: outbox, BaseURL: "http://partners.test", JoinsPerHour: 100})
	var wg sync.WaitGroup
	slugs := make([]string, 4)
	errs := make([]error, 4)
	for i := range 4 {
		wg.Go(func() {
			j, err := s.Join(ctx, audit.Actor{Label: "anonymous"}, Application{
				Name: "Applicant", Email: fmt.Sprintf("a%d@example.net", i), Password: "correct horse battery staple",
				OrgName: "ECPAT Luxembourg", Kind: directory.KindNational, Countries: []string{"LU"},
				Description: "Une homonyme.", ContactEmail: "contact@example.net", Lang: "fr", IP: "192.0.2.7"})
			slugs[i], errs[i] = j.Slug, err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(slugs)
	want := []string{"ecpat-luxembourg-2", "ecpat-luxembourg-3", "ecpat-luxembourg-4", "ecpat-luxembourg-5"}
	if !slices.Equal(slugs, want) {
		t.Errorf("slugs %v, want %v", slugs, want)
	}
}
