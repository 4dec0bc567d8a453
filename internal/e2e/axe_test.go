package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/partnerdir/partnerdir/internal/testenv"
)

var (
	axeOnce   sync.Once
	axeSource string
	axeErr    error
)

// axeScript returns axe-core's source from AXE_JS (make test downloads it
// from the npm registry); without it the test is skipped, or fails under
// CI=true.
func axeScript(t *testing.T) string {
	t.Helper()
	path := testenv.Require(t, "AXE_JS", "axe-core", "run make test, which downloads axe-core")
	axeOnce.Do(func() {
		b, err := os.ReadFile(path)
		axeSource, axeErr = string(b), err
	})
	if axeErr != nil {
		t.Fatalf("axe-core: %v", axeErr)
	}
	return axeSource
}

// axeViolation is one rule that failed, as axe reports it.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
	Summary string   `json:"summary"`
}

// sitePage is a page of the site to visit: its name in failures and
// screenshots, and its path.
type sitePage struct{ name, path string }

// axeCheckPages visits each of pages, runs axeCheck on it and keeps a
// screenshot.
func (b *browser) axeCheckPages(pages []sitePage) {
	b.t.Helper()
	for _, p := range pages {
		b.visit(p.path)
		b.axeCheck(p.name)
		b.shot(p.name)
	}
}

// axeCheck injects axe-core into the current page and runs the WCAG 2.1
// A and AA rules (contrast included): a serious or critical violation
// fails the test; lesser ones are logged.
func (b *browser) axeCheck(name string) {
	b.t.Helper()
	src := axeScript(b.t)
	if !eval[bool](b, `typeof window.axe === "object"`) {
		// Evaluated through the DevTools protocol, the script is not
		// subject to the page's Content-Security-Policy.
		run(b, "inject axe-core", chromedp.Evaluate[bool](src+"\n;typeof window.axe === \"object\""))
	}
	out := run(b, "axe.run on "+name, chromedp.Evaluate[string](`axe.run(document, {
		runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
		resultTypes: ["violations"]
	}).then(function (r) {
		return JSON.stringify(r.violations.map(function (v) {
			return {
				id: v.id, impact: v.impact, help: v.help,
				targets: v.nodes.slice(0, 5).map(function (n) { return n.target.join(" "); }),
				summary: v.nodes.length ? v.nodes[0].failureSummary : ""
			};
		}));
	})`, chromedp.EvalAwaitPromise))
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		b.t.Fatalf("axe on %s: %v", name, err)
	}
	for _, v := range vs {
		msg := fmt.Sprintf("axe on %s (%s): %s [%s] %s at %s\n%s", name, b.path(), v.ID, v.Impact, v.Help,
			strings.Join(v.Targets, " | "), v.Summary)
		if v.Impact == "serious" || v.Impact == "critical" {
			b.t.Error(msg)
		} else {
			b.t.Log(msg)
		}
	}
}
