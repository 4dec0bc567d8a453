package directory_test

import (
	"testing"

	"github.com/partnerdir/partnerdir/internal/directory"
)

func TestSlugify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"We love ECPAT", 60, "we-love-ecpat"},
		{"Aide à l'Enfance — Mopti", 60, "aide-a-l-enfance-mopti"},
		{"  Œuvre   des Pères Blancs ", 60, "oeuvre-des-peres-blancs"},
		{"Straße & Søn", 60, "strasse-son"},
		{"Ça va ?!", 60, "ca-va"},
		{"الأمل", 60, ""},
		{"", 60, ""},
		{"Une organisation au nom vraiment très long qui dépasse largement soixante caractères", 60,
			"une-organisation-au-nom-vraiment-tres-long-qui-depasse-large"},
		{"Ab cd", 3, "ab"}, // no dash left at the cut
	}
	for _, tt := range tests {
		got := directory.Slugify(tt.in, tt.max)
		if got != tt.want || (got != "" && !directory.ValidSlug(got)) {
			t.Errorf("Slugify(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}
