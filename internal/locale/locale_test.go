package locale_test

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/partnerdir/partnerdir/internal/locale"
	webfiles "github.com/partnerdir/partnerdir/web"
)

func TestTranslator(t *testing.T) {
	tr, err := locale.New(webfiles.FS)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		lang, id string
		data     []any
		want     string
	}{
		{"fr", "nav.search", nil, "Rechercher"},
		{"en", "nav.search", nil, "Search"},
		{"de", "nav.search", nil, "Rechercher"}, // unknown language: French
		{"fr", "list.count", []any{"Count", 1234, "N", "1 234"}, "1 234 organisations"},
		{"en", "list.count", []any{"Count", 7, "N", "7"}, "7 organisations"},
		{"en", "no.such.message", nil, "no.such.message"},
		// Plural forms follow the count.
		{"fr", "mail.link.once.hours", []any{"Count", 1}, "Ce lien fonctionne une seule fois, pendant une heure."},
		{"fr", "mail.link.once.hours", []any{"Count", 48}, "Ce lien fonctionne une seule fois, pendant 48 heures."},
		{"en", "mail.link.once.hours", []any{"Count", 1}, "This link works once, for one hour."},
		{"en", "mail.link.once.days", []any{"Count", 7}, "This link works once, for 7 days."},
		{"fr", "kind.international-ngo", nil, "ONG internationale"},
		{"en", "support.volunteering", nil, "Volunteering"},
	}
	for _, tt := range tests {
		if got := tr.T(tt.lang, tt.id, tt.data...); got != tt.want {
			t.Errorf("T(%s, %s, %v) = %q, want %q", tt.lang, tt.id, tt.data, got, tt.want)
		}
	}
}

// TestEveryMessageExistsInBothLanguages covers every area's pair of files:
// pages, labels and mails.
func TestEveryMessageExistsInBothLanguages(t *testing.T) {
	files, err := fs.Glob(webfiles.FS, "locales/*.fr.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no French locale files: %v", err)
	}
	mails := false
	for _, fr := range files {
		mails = mails || strings.HasSuffix(fr, "/mail.fr.json")
		en := strings.TrimSuffix(fr, ".fr.json") + ".en.json"
		// keys maps each id to whether it has plural forms.
		keys := func(p string) map[string]bool {
			out := map[string]bool{}
			for k, v := range messages(t, p) {
				_, plural := v.(map[string]any)
				out[k] = plural
			}
			return out
		}
		kfr, ken := keys(fr), keys(en)
		for k, plural := range kfr {
			if p, ok := ken[k]; !ok {
				t.Errorf("%s lacks %q", en, k)
			} else if p != plural {
				t.Errorf("%q has plural forms in one language only", k)
			}
		}
		for k := range ken {
			if _, ok := kfr[k]; !ok {
				t.Errorf("%s lacks %q", fr, k)
			}
		}
	}
	if !mails {
		t.Error("no mail strings among the locale files")
	}
}

// TestNumbersAndPluralsFollowTheLanguage: counts read "1 234" (a no-break
// space, as CLDR writes French numbers) and "1,234", and the plural form
// is each language's: French counts 0 as singular, English does not.
func TestNumbersAndPluralsFollowTheLanguage(t *testing.T) {
	tr, err := locale.New(webfiles.FS)
	if err != nil {
		t.Fatal(err)
	}
	numbers := []struct {
		lang string
		n    int
		want string
	}{
		{"fr", 0, "0"}, {"fr", 999, "999"}, {"fr", 1234, "1\u00a0234"}, {"fr", 100000, "100\u00a0000"}, {"fr", 1234567, "1\u00a0234\u00a0567"},
		{"en", 0, "0"}, {"en", 1234, "1,234"}, {"en", 100000, "100,000"}, {"en", 1234567, "1,234,567"},
		{"de", 1234, "1\u00a0234"}, // another language: French
	}
	for _, tt := range numbers {
		if got := tr.Number(tt.lang, tt.n); got != tt.want {
			t.Errorf("Number(%s, %d) = %q, want %q", tt.lang, tt.n, got, tt.want)
		}
	}
	counts := []struct {
		lang, id string
		n        int
		want     string
	}{
		{"fr", "list.count", 0, "0 organisation"},
		{"fr", "list.count", 1, "1 organisation"},
		{"fr", "list.count", 2, "2 organisations"},
		{"fr", "list.count", 100000, "100\u00a0000 organisations"},
		{"fr", "list.count", 1000000, "1\u00a0000\u00a0000 organisations"},
		{"en", "list.count", 0, "0 organisations"},
		{"en", "list.count", 1, "1 organisation"},
		{"en", "list.count", 2, "2 organisations"},
		{"en", "list.count", 100000, "100,000 organisations"},
		{"fr", "staff.offers.total", 1, "1 offre"},
		{"fr", "staff.offers.total", 3, "3 offres"},
		{"en", "staff.offers.total", 0, "0 offers"},
		{"fr", "themes.count.partners", 0, "0 partenaire"},
		{"en", "search_news.count", 1, "1 article"},
		{"fr", "manage.offers.new_count", 2, "2 nouvelles offres"},
		{"en", "manage.offers.new_count", 1, "1 new offer"},
		{"fr", "news.strip.profile.all", 1234, "Tous ses communiqués (1\u00a0234)"},
	}
	for _, tt := range counts {
		if got := tr.Count(tt.lang, tt.id, tt.n); got != tt.want {
			t.Errorf("Count(%s, %s, %d) = %q, want %q", tt.lang, tt.id, tt.n, got, tt.want)
		}
	}
	// No count sentence is left with "(s)": the plural forms choose.
	files, _ := fs.Glob(webfiles.FS, "locales/*.json")
	for _, f := range files {
		b, _ := fs.ReadFile(webfiles.FS, f)
		for _, id := range []string{"organisation(s)", "offre(s)", "offer(s)", "utilisateur(s)", "user(s)"} {
			if strings.Contains(string(b), id) {
				t.Errorf("%s still writes %q", f, id)
			}
		}
	}
}
