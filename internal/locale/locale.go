// Package locale translates message ids into the languages the platform
// speaks. Every sentence users read — pages, mails, the names of kinds and
// statuses — is a go-i18n message in the locale files (web/locales); Go
// code passes ids and facts.
package locale

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Languages lists the languages the platform speaks, French first (the
// fallback for any other).
func Languages() []string { return []string{"fr", "en"} }

// Translator holds the messages of every language.
type Translator struct {
	localizers map[string]*i18n.Localizer
	// plain are, per language, the messages without template actions or
	// plural forms: pages ask for dozens of them, and a map lookup is all
	// they need.
	plain map[string]map[string]string
	// plural are the ids of messages with plural forms, chosen by a Count.
	plural map[string]bool
}

// New loads every locales/*.json file of fsys. Each area keeps its
// strings in its own pair of files, locales/AREA.fr.json and
// locales/AREA.en.json.
func New(fsys fs.FS) (*Translator, error) {
	bundle := i18n.NewBundle(language.French)
	bundle.RegisterUnmarshalFunc("json", json.Unmarshal)
	t := &Translator{localizers: map[string]*i18n.Localizer{}, plain: map[string]map[string]string{}, plural: map[string]bool{}}
	files, err := fs.Glob(fsys, "locales/*.json")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		mf, err := bundle.LoadMessageFileFS(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("locale: load translations %s: %w", f, err)
		}
		lang := mf.Tag.String()
		if t.plain[lang] == nil {
			t.plain[lang] = map[string]string{}
		}
		for _, m := range mf.Messages {
			switch {
			case m.Zero+m.One+m.Two+m.Few+m.Many != "":
				t.plural[m.ID] = true
			case !strings.Contains(m.Other, "{{"):
				t.plain[lang][m.ID] = m.Other
			}
		}
	}
	for _, lang := range Languages() {
		t.localizers[lang] = i18n.NewLocalizer(bundle, lang)
	}
	return t, nil
}

// T translates id into lang (French for a language the platform does not
// speak). data is key/value pairs for the message's template ({{.Name}});
// a "Count" also chooses the plural form. A missing message shows its id,
// so it is noticed (a test checks that every language has every id).
func (t *Translator) T(lang, id string, data ...any) string {
	l, ok := t.localizers[lang]
	if !ok {
		lang, l = "fr", t.localizers["fr"]
	}
	if m, ok := t.plain[lang][id]; ok {
		return m
	}
	var td map[string]any
	var count any
	if len(data) > 1 {
		td = map[string]any{}
		for i := 0; i+1 < len(data); i += 2 {
			k := fmt.Sprint(data[i])
			td[k] = data[i+1]
			if k == "Count" && t.plural[id] {
				count = data[i+1]
			}
		}
	}
	s, err := l.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: td, PluralCount: count})
	if err != nil {
		return id
	}
	return s
}

// Number writes n the way lang writes numbers, by CLDR's rules (x/text):
// "1 234" in French (a no-break space), "1,234" in English.
func (t *Translator) Number(lang string, n int) string {
	tag := language.French
	if lang == "en" {
		tag = language.English
	}
	// A Printer keeps a buffer: one per call, as pages format a few dozen
	// numbers at most.
	return message.NewPrinter(tag).Sprintf("%d", n)
}

// Count translates id, a message with plural forms, for n things: the
// form is go-i18n's choice by lang's CLDR rules ("0 organisation" in
// French, "0 organisations" in English), and the message writes the
// number as {{.N}}, formatted by Number ({{.Count}} is the bare number).
func (t *Translator) Count(lang, id string, n int) string {
	return t.T(lang, id, "Count", n, "N", t.Number(lang, n))
}
