package locale_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	webfiles "github.com/partnerdir/partnerdir/web"
)

// messageID is a string literal that names a message: an area prefix, a
// dot, then lower-case words. Ids built at run time ("manage."+noun) are
// not seen; the templates' ids are checked by rendering them.
var messageID = regexp.MustCompile(`"((?:manage|merge|import|newsroom|upload|param|offers|news|newsletter|richtext|claim|auth|admin|staff|join|signup|search|mail|kind|support|project|office|list|site|nav|home|profile|account|login|password|invite|error)\.[a-z0-9_]+(?:\.[a-z0-9_]+)*)"`)

// TestEveryMessageIDInGoExists reads the program's Go code (tests left
// out) and fails on a message id the locale files do not define: a typo
// would show the id itself to a visitor.
func TestEveryMessageIDInGoExists(t *testing.T) {
	known := map[string]bool{}
	files, err := fs.Glob(webfiles.FS, "locales/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no locale files: %v", err)
	}
	for _, f := range files {
		for k := range messages(t, f) {
			known[k] = true
		}
	}
	seen := 0
	for _, root := range []string{"../../internal", "../../cmd"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range messageID.FindAllStringSubmatch(string(b), -1) {
				if strings.HasPrefix(m[1], "mail.") && strings.Count(m[1], ".") == 1 {
					continue // a mail provider's domain (mail.com), not a message
				}
				seen++
				if !known[m[1]] {
					t.Errorf("%s: message %q is in no locale file", path, m[1])
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if seen < 50 {
		t.Fatalf("only %d message ids found in the Go code: is the pattern still right?", seen)
	}
}

// messages reads one locale file of the embedded web tree: id → text, or
// id → plural forms.
func messages(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := fs.ReadFile(webfiles.FS, path)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}
