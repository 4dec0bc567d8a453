package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/partnerdir/partnerdir/internal/testenv"
)

// stepTimeout bounds one browser step. It is generous: the machine is
// shared with the rest of the test suite.
const stepTimeout = 60 * time.Second

// Viewport widths of the screenshots.
const (
	desktopWidth, desktopHeight = 1280, 900
	phoneWidth, phoneHeight     = 375, 740
)

// browser is one headless Chromium with one tab, for one test.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	// shots is the test's folder under screenshots/.
	shots *shotDir
}

// chromiumPath returns CHROMIUM_BIN, or chromium from PATH; without one
// the test is skipped, or fails under CI=true.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM_BIN"); p != "" {
		return p
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	testenv.Missing(t, "no Chromium: CHROMIUM_BIN is not set and chromium is not on PATH", "Chromium",
		"set CHROMIUM_BIN or run make test, which installs it")
	return ""
}

// chromium is the one browser process the package's tests share; each
// test has its own browser context (cookies, storage) and tab.
var chromium struct {
	once   sync.Once
	ctx    context.Context
	cancel func()
	dir    string
	err    error
}

// TestMain stops the shared browser after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if chromium.cancel != nil {
		chromium.cancel()
	}
	if chromium.dir != "" {
		_ = os.RemoveAll(chromium.dir)
	}
	os.Exit(code)
}

// startChromium starts the shared browser once, with a fresh profile.
func startChromium(path string) (context.Context, error) {
	chromium.once.Do(func() {
		if chromium.dir, chromium.err = os.MkdirTemp("", "partnerdir-e2e-chromium-"); chromium.err != nil {
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.Headless,
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.NoFirstRun,
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.UserDataDir(chromium.dir),
			chromedp.WindowSize(desktopWidth, desktopHeight),
		)
		allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancel := chromedp.NewContext(allocCtx)
		chromium.ctx = ctx
		chromium.cancel = func() {
			cancel()
			cancelAlloc()
		}
		// The first action starts the browser: no deadline on its
		// context, which would end the browser with it.
		chromium.err = chromedp.Do(ctx)
	})
	return chromium.ctx, chromium.err
}

// newBrowser opens a tab in a fresh browser context (no cookies), at
// desktop width, on the application at base.
func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	parent, err := startChromium(chromiumPath(t))
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancel := chromedp.NewContext(parent, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// The first action opens the tab: again no deadline.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(desktopWidth, desktopHeight)); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return &browser{t: t, ctx: ctx, base: strings.TrimSuffix(base, "/"), shots: screenshotDir(t)}
}

// do runs steps with a deadline, failing the test on error.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// run runs one action that returns a value, with a deadline.
func run[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// visit loads path and waits for the page to load.
func (b *browser) visit(path string) {
	b.t.Helper()
	b.do("visit "+path, chromedp.Navigate(b.base+path))
}

// clickAndLoad clicks the first element matching css and waits for the
// page that the click loads.
func (b *browser) clickAndLoad(css string) {
	b.t.Helper()
	run(b, "click "+css, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(css), chromedp.NodeVisible)))
}

// keyAndLoad sends keys to the focused element and waits for the page
// that they load (Enter on a link or a submit button).
func (b *browser) keyAndLoad(keys string) {
	b.t.Helper()
	run(b, fmt.Sprintf("key %q", keys), chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.KeyEvent(keys)))
}

// eval evaluates a JavaScript expression.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	return run(b, "evaluate "+expr, chromedp.Evaluate[T](expr))
}

// js quotes v as a JavaScript literal.
func js(v any) string {
	out, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(out)
}

// waitFor polls the JavaScript predicate until it is true.
func (b *browser) waitFor(what, predicate string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](predicate, chromedp.WithPollingInterval(50*time.Millisecond)))
		if err == nil {
			return
		}
		// A navigation still committing destroys the page's JavaScript
		// context under the poll: poll again in the new page.
		if !contextDestroyed(err) || ctx.Err() != nil {
			b.t.Fatalf("wait for %s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// contextDestroyed reports whether err says the page's JavaScript context
// went away (the page navigated) while an expression ran in it.
func contextDestroyed(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "Cannot find context with specified id") || strings.Contains(msg, "Execution context was destroyed")
}

// waitText waits until the element matching css contains text.
func (b *browser) waitText(css, text string) {
	b.t.Helper()
	b.waitFor(fmt.Sprintf("%q in %s", text, css), fmt.Sprintf(
		`(function(){var e=document.querySelector(%s);return !!e && e.innerText.indexOf(%s) >= 0})()`, js(css), js(text)))
}

// text returns the visible text of the first element matching css.
func (b *browser) text(css string) string {
	b.t.Helper()
	return run(b, "text of "+css, chromedp.Text(chromedp.CSS(css), chromedp.NodeVisible))
}

// path returns the current address, without scheme and host.
func (b *browser) path() string {
	b.t.Helper()
	loc := run(b, "location", chromedp.Location())
	return strings.TrimPrefix(loc, b.base)
}

// ------------------------------------------------------------- screenshots

var (
	screenshotsOnce sync.Once
	screenshotsRoot string
	shotDirs        sync.Map // test name → *shotDir
)

// shotDir is one test's screenshot folder; its browsers number their
// steps in one sequence.
type shotDir struct {
	path string
	mu   sync.Mutex
	step int
}

// next returns the file name prefix of the next step.
func (d *shotDir) next() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.step++
	return filepath.Join(d.path, fmt.Sprintf("%02d", d.step))
}

// screenshotDir is screenshots/<TestName> at the top of the repository
// (git-ignored), emptied of an earlier run's images when the test first
// asks for it.
func screenshotDir(t *testing.T) *shotDir {
	t.Helper()
	screenshotsOnce.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			return
		}
		for d := dir; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				screenshotsRoot = filepath.Join(d, "screenshots")
				return
			}
			if filepath.Dir(d) == d {
				return
			}
		}
	})
	if screenshotsRoot == "" {
		t.Fatal("screenshots: cannot find the repository root (go.mod)")
	}
	dir := filepath.Join(screenshotsRoot, regexp.MustCompile(`[^A-Za-z0-9_-]+`).ReplaceAllString(t.Name(), "_"))
	if d, ok := shotDirs.Load(dir); ok {
		return d.(*shotDir)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	d, _ := shotDirs.LoadOrStore(dir, &shotDir{path: dir})
	t.Cleanup(func() { shotDirs.Delete(dir) })
	return d.(*shotDir)
}

// shot saves the whole page at desktop and at phone width as
// NN-name-desktop.png and NN-name-phone.png, then returns to desktop
// width.
func (b *browser) shot(name string) {
	b.t.Helper()
	prefix := b.shots.next()
	for _, v := range []struct {
		label         string
		width, height int64
		opts          []chromedp.EmulateViewportOption
	}{
		{"phone", phoneWidth, phoneHeight, []chromedp.EmulateViewportOption{chromedp.EmulateMobile, chromedp.EmulatePortrait}},
		{"desktop", desktopWidth, desktopHeight, nil},
	} {
		b.do("viewport "+v.label, chromedp.EmulateViewport(v.width, v.height, v.opts...))
		png := run(b, "screenshot "+name, chromedp.FullScreenshot(100))
		file := fmt.Sprintf("%s-%s-%s.png", prefix, name, v.label)
		if err := os.WriteFile(file, png, 0o644); err != nil {
			b.t.Fatal(err)
		}
		if v.label == "phone" {
			b.checkNoHorizontalOverflow(name)
		}
	}
}

// checkNoHorizontalOverflow fails when the page is wider than the phone
// viewport (content the visitor must scroll sideways to read).
func (b *browser) checkNoHorizontalOverflow(name string) {
	b.t.Helper()
	w := eval[float64](b, `document.documentElement.scrollWidth`)
	if w > phoneWidth+1 {
		wide := eval[[]string](b, fmt.Sprintf(`Array.from(document.querySelectorAll("body *")).filter(function(e){var r=e.getBoundingClientRect();return r.right > %d && r.width > 0}).slice(0, 8).map(function(e){return e.tagName.toLowerCase()+(e.id?"#"+e.id:"")+(e.className&&typeof e.className==="string"?"."+e.className.trim().split(/\s+/).join("."):"")})`, phoneWidth+1))
		b.t.Errorf("%s: the page is %v px wide on a %d px phone; too wide: %v", name, w, phoneWidth, wide)
	}
}
