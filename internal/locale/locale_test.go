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
		{"fr", "list.count", []any{"Count", 1234}, "1234 organisations"},
		{"en", "list.count", []any{"Count", 7}, "7 organisations"},
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
