package web_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The handler groups, side by side under internal/web, over the kit.
var groups = []string{"account", "admin", "api", "donor", "exchange", "inbox", "join", "manage", "newsletter", "public", "suggest"}

const webPath = "github.com/partnerdir/partnerdir/internal/web"

// TestLayout holds the layering the compiler cannot: the route table above
// the groups, the groups side by side, the kit below them. No group
// imports another group or internal/web, and the kit imports no group and
// not internal/web. A subfolder of internal/web that is neither a group
// nor the kit fails too, so a new group is added here on purpose.
func TestLayout(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && e.Name() != "kit" && !slices.Contains(groups, e.Name()) {
			t.Errorf("internal/web/%s is neither a handler group nor the kit: add it to groups in layout_test.go", e.Name())
		}
	}
	for _, pkg := range append([]string{"kit"}, groups...) {
		for path, file := range imports(t, pkg) {
			if path == webPath {
				t.Errorf("%s imports internal/web, the layer above it", file)
				continue
			}
			sub, ok := strings.CutPrefix(path, webPath+"/")
			if !ok {
				continue
			}
			if sub == "kit" && (pkg != "kit" || strings.HasSuffix(file, "_test.go")) {
				continue // a group uses the kit; the kit's own external tests do too
			}
			t.Errorf("%s imports internal/web/%s: groups import only the kit, the kit imports no group", file, sub)
		}
	}
}

// imports are the import paths of the package in folder dir (tests
// included), each with the first file that imports it.
func imports(t *testing.T, dir string) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("internal/web/%s has no Go files", dir)
	}
	out := map[string]string{}
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := out[path]; !ok {
				out[path] = name
			}
		}
	}
	return out
}
