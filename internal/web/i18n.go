package web

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Languages the interface speaks, French first.
var languages = []string{"fr", "en"}

// translator holds the interface strings of every language.
type translator struct {
	localizers map[string]*i18n.Localizer
	// plain are, per language, the messages without template actions:
	// pages ask for dozens of them, and a map lookup is all they need.
	plain map[string]map[string]string
}

func newTranslator(fsys fs.FS) (*translator, error) {
	bundle := i18n.NewBundle(language.French)
	bundle.RegisterUnmarshalFunc("json", json.Unmarshal)
	t := &translator{localizers: map[string]*i18n.Localizer{}, plain: map[string]map[string]string{}}
	// Each area keeps its strings in its own pair of files,
	// locales/AREA.fr.json and locales/AREA.en.json.
	files, err := fs.Glob(fsys, "locales/*.json")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		mf, err := bundle.LoadMessageFileFS(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("web: load translations %s: %w", f, err)
		}
		lang := mf.Tag.String()
		if t.plain[lang] == nil {
			t.plain[lang] = map[string]string{}
		}
		for _, m := range mf.Messages {
			if !strings.Contains(m.Other, "{{") {
				t.plain[lang][m.ID] = m.Other
			}
		}
	}
	for _, lang := range languages {
		t.localizers[lang] = i18n.NewLocalizer(bundle, lang)
	}
	return t, nil
}

// T translates id into lang. data is key/value pairs for the message's
// template ({{.Count}}). A missing message shows its id, so it is noticed
// (a test checks that every language has every id).
func (t *translator) T(lang, id string, data ...any) string {
	l, ok := t.localizers[lang]
	if !ok {
		lang, l = "fr", t.localizers["fr"]
	}
	if m, ok := t.plain[lang][id]; ok {
		return m
	}
	var td map[string]any
	if len(data) > 1 {
		td = map[string]any{}
		for i := 0; i+1 < len(data); i += 2 {
			td[fmt.Sprint(data[i])] = data[i+1]
		}
	}
	s, err := l.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: td})
	if err != nil {
		return id
	}
	return s
}

// negotiate picks the interface language from the lang cookie, else from
// Accept-Language, else French.
func negotiate(cookie, acceptLanguage string) string {
	for _, l := range languages {
		if cookie == l {
			return l
		}
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err == nil {
		for _, tag := range tags {
			base, _ := tag.Base()
			for _, l := range languages {
				if strings.EqualFold(base.String(), l) {
					return l
				}
			}
		}
	}
	return "fr"
}
