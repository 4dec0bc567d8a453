package locale_test

import (
	"encoding/json"
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
	}
	for _, tt := range tests {
		if got := tr.T(tt.lang, tt.id, tt.data...); got != tt.want {
			t.Errorf("T(%s, %s, %v) = %q, want %q", tt.lang, tt.id, tt.data, got, tt.want)
		}
	}
}

// TestEveryMessageExistsInBothLanguages covers every area's pair of files.
func TestEveryMessageExistsInBothLanguages(t *testing.T) {
	files, err := fs.Glob(webfiles.FS, "locales/*.fr.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no French locale files: %v", err)
	}
	for _, fr := range files {
		en := strings.TrimSuffix(fr, ".fr.json") + ".en.json"
		// keys maps each id to whether it has plural forms.
		keys := func(p string) map[string]bool {
			b, err := fs.ReadFile(webfiles.FS, p)
			if err != nil {
				t.Fatal(err)
			}
			m := map[string]any{}
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			out := map[string]bool{}
			for k, v := range m {
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
}
