package hsds_test

import (
	"encoding/json"
	"os"
	"regexp"
	"testing"

	webfiles "github.com/partnerdir/partnerdir/web"
)

// TestEveryRefusalHasItsSentence: each hsds.err message id the package
// can return is written in both languages (the locale package's own check
// does not know the hsds prefix).
func TestEveryRefusalHasItsSentence(t *testing.T) {
	t.Parallel()
	ids := map[string]bool{}
	for _, f := range []string{"schema.go", "decode.go"} {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`"(hsds\.err\.[a-z_]+)"`).FindAllStringSubmatch(string(src), -1) {
			ids[m[1]] = true
		}
	}
	if len(ids) < 15 {
		t.Fatalf("only %d message ids found", len(ids))
	}
	for _, lang := range []string{"en", "fr"} {
		b, err := webfiles.FS.ReadFile("locales/exchange." + lang + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var msgs map[string]string
		if err := json.Unmarshal(b, &msgs); err != nil {
			t.Fatal(err)
		}
		for id := range ids {
			if msgs[id] == "" {
				t.Errorf("%s is not in exchange.%s.json", id, lang)
			}
		}
	}
}
