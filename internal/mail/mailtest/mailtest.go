// Package mailtest gives tests the mail renderer the program uses: the
// embedded mail templates and locale files.
package mailtest

import (
	"testing"

	"github.com/partnerdir/partnerdir/internal/locale"
	"github.com/partnerdir/partnerdir/internal/mail"
	webfiles "github.com/partnerdir/partnerdir/web"
)

// Renderer returns a renderer over the embedded web files; it fails t if
// they do not load.
func Renderer(t testing.TB) *mail.Renderer {
	t.Helper()
	tr, err := locale.New(webfiles.FS)
	if err != nil {
		t.Fatal(err)
	}
	r, err := mail.NewRenderer(webfiles.FS, tr)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
