package web

import (
	"testing"

	webfiles "github.com/partnerdir/partnerdir/web"
)

func TestTranslator(t *testing.T) {
	tr, err := newTranslator(webfiles.FS)
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
