package richtext_test

import (
	"testing"

	"github.com/partnerdir/partnerdir/internal/richtext"
)

// The search index holds what a reader sees: words, never tags, link
// addresses or entities.
func TestPlainText(t *testing.T) {
	p, err := richtext.New("/uploads/")
	if err != nil {
		t.Fatal(err)
	}
	html, problems := p.Render("## Halimatou\n\nJuriste &amp; **chargée** de [projets](https://example.org/x).\n\n- un\n- deux\n\n![Une mallette](/uploads/m.png)")
	if len(problems) != 0 {
		t.Fatal(problems)
	}
	if got, want := richtext.PlainText(html), "Halimatou Juriste & chargée de projets. un deux Une mallette"; got != want {
		t.Errorf("PlainText = %q, want %q", got, want)
	}
	for in, want := range map[string]string{
		"":                                "",
		"<p>a&lt;b &eacute;t&eacute;</p>": "a<b été",
		"<p>un</p><p>deux</p>":            "un deux",
		"<p>mot<em>collé</em></p>":        "motcollé",
	} {
		if got := richtext.PlainText(in); got != want {
			t.Errorf("richtext.PlainText(%q) = %q, want %q", in, got, want)
		}
	}
}
