package e2e

import (
	"context"
	"encoding/json"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	webfiles "github.com/partnerdir/partnerdir/web"
)

var (
	localesOnce sync.Once
	// uiStrings holds, per language, the interface strings that differ
	// from the other language's (long literal fragments only, so a word
	// that both languages share is never taken for a leak).
	uiStrings map[string][]string
	localeErr error
)

var placeholder = regexp.MustCompile(`\{\{[^}]*\}\}`)

func loadUIStrings(t *testing.T) map[string][]string {
	t.Helper()
	localesOnce.Do(func() {
		all := map[string]map[string]string{"fr": {}, "en": {}}
		files, err := fs.Glob(webfiles.FS, "locales/*.json")
		if err != nil {
			localeErr = err
			return
		}
		for _, f := range files {
			lang := strings.TrimPrefix(path.Ext(strings.TrimSuffix(f, ".json")), ".")
			if all[lang] == nil {
				continue
			}
			b, err := fs.ReadFile(webfiles.FS, f)
			if err != nil {
				localeErr = err
				return
			}
			m := map[string]any{}
			if err := json.Unmarshal(b, &m); err != nil {
				localeErr = err
				return
			}
			for k, v := range m {
				switch v := v.(type) {
				case string:
					all[lang][k] = v
				case map[string]any: // plural forms: each is a string
					for form, s := range v {
						s, _ := s.(string)
						all[lang][k+"#"+form] = s
					}
				}
			}
		}
		uiStrings = map[string][]string{}
		for _, lang := range []string{"fr", "en"} {
			other := "en"
			if lang == "en" {
				other = "fr"
			}
			for k, v := range all[lang] {
				// Role titles are also what organisations write in their
				// own team's content, in their own language.
				if all[other][k] == v || strings.HasPrefix(k, "manage.contact.role.") {
					continue
				}
				for _, frag := range placeholder.Split(v, -1) {
					frag = strings.TrimSpace(frag)
					if utf8.RuneCountInString(frag) >= 14 && strings.Contains(frag, " ") {
						uiStrings[lang] = append(uiStrings[lang], frag)
					}
				}
			}
		}
	})
	if localeErr != nil {
		t.Fatalf("locales: %v", localeErr)
	}
	return uiStrings
}

// switchLanguage clicks the visible language switcher on the current page
// (name) and checks that the visitor stays on it, now in lang.
func (b *browser) switchLanguage(name, lang string) {
	b.t.Helper()
	from := b.path()
	b.clickAndLoad(".lang-switch")
	if p := b.path(); p != from {
		b.t.Errorf("the switcher on %s (%s) led to %s", name, from, p)
	}
	b.checkLanguage(name+" after the switch", lang)
	b.shot(name + "-" + lang)
}

// checkLanguagePages visits each of pages and checks that it is in lang.
func (b *browser) checkLanguagePages(lang string, pages []sitePage) {
	b.t.Helper()
	for _, p := range pages {
		b.visit(p.path)
		b.checkLanguage(p.name, lang)
	}
}

// checkLanguage checks that the page is in lang (html lang) and that its
// visible text holds no interface string of the other language.
func (b *browser) checkLanguage(name, lang string) {
	b.t.Helper()
	if got := eval[string](b, `document.documentElement.lang`); got != lang {
		b.t.Errorf("%s (%s): <html lang=%q>, want %q", name, b.path(), got, lang)
	}
	other := "en"
	if lang == "en" {
		other = "fr"
	}
	text := eval[string](b, `document.body.innerText`)
	for _, s := range loadUIStrings(b.t)[other] {
		if strings.Contains(text, s) {
			b.t.Errorf("%s (%s) in %s shows the %s interface string %q", name, b.path(), lang, other, s)
		}
	}
}

// acceptLanguage makes the tab send this Accept-Language header.
func (b *browser) acceptLanguage(v string) {
	b.t.Helper()
	b.do("Accept-Language "+v, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
			Headers: network.Headers{"Accept-Language": v},
		})
		return err
	}))
}

// TestLanguageSwitchJourney: a visitor whose browser asks for French gets
// French; the visible switcher turns the site to English, which the
// cookie remembers on the next pages although the browser still asks for
// French; switching back gives French again. No page mixes in the other
// language's interface strings.
func TestLanguageSwitchJourney(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	b := newBrowser(t, a.URL)
	b.acceptLanguage("fr-FR,fr;q=0.9")

	b.visit("/")
	b.checkLanguage("home", "fr")
	b.shot("home-fr")

	b.switchLanguage("home", "en")

	b.checkLanguagePages("en", []sitePage{
		{"list", "/organisations"},
		{"search", "/search?q=ecpat"},
		{"profile", "/organisations/ecpat-luxembourg"},
		{"offer-form", "/organisations/ecpat-luxembourg/offer"},
		{"login", "/login"},
	})
	b.shot("offer-form-en")

	// Back to French from a deep page: the switcher keeps the visitor
	// where they were.
	b.visit("/organisations/ecpat-luxembourg")
	b.switchLanguage("profile", "fr")
	b.checkLanguagePages("fr", []sitePage{
		{"list", "/organisations"},
		{"search", "/search?q=ecpat"},
		{"offer-form", "/organisations/ecpat-luxembourg/offer"},
		{"login", "/login"},
	})
	b.shot("offer-form-fr")
}
