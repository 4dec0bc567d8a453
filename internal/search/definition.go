package search

import (
	"encoding/json"
	"fmt"
	"io/fs"

	"github.com/meilisearch/meilisearch-go"
)

// Kind names an index by what its documents are.
type Kind string

// The indexes Partnerdir declares.
const (
	// Organisations holds one document per published organisation; its uid
	// is MEILI_INDEX itself.
	Organisations Kind = "organisations"
	// Articles holds one document per published article of a published
	// organisation; its uid is MEILI_INDEX + "_articles".
	Articles Kind = "articles"
)

// Definition declares one index: where its settings are in search/, its
// uid, its primary key, and (by its Kind) how its documents are built from
// PostgreSQL and which fallback table mirrors them. Its filterable and
// sortable attributes are part of its settings file. The outbox, the
// fallback, verify, repair, reindex and the periodic check do the same for
// every declared index.
type Definition struct {
	Kind Kind
	// Suffix follows MEILI_INDEX in the index's uid.
	Suffix string
	// SettingsFile (Meilisearch's settings format, without synonyms) and
	// SynonymsFile (groups of equivalent words) are files of search/.
	SettingsFile string
	SynonymsFile string
	// PrimaryKey is the documents' id attribute.
	PrimaryKey string
	// Settings are the loaded files; nil leaves an index's settings as
	// they are (a test of the client alone).
	Settings *meilisearch.Settings
}

// UID is the index's uid when MEILI_INDEX is base.
func (d *Definition) UID(base string) string { return base + d.Suffix }

// Declared returns every index Partnerdir keeps, organisations first,
// settings not loaded (LoadDefinitions loads them).
func Declared() []*Definition {
	return []*Definition{
		{Kind: Organisations, SettingsFile: "settings.json", SynonymsFile: "synonyms.json", PrimaryKey: "id"},
		{Kind: Articles, Suffix: "_articles", SettingsFile: "articles.settings.json", SynonymsFile: "synonyms.json", PrimaryKey: "id"},
	}
}

// LoadDefinitions returns every declared index with its settings and
// synonyms read from fsys (the embedded search/ folder).
func LoadDefinitions(fsys fs.FS) ([]*Definition, error) {
	defs := Declared()
	for _, d := range defs {
		s, err := loadSettings(fsys, d.SettingsFile, d.SynonymsFile)
		if err != nil {
			return nil, err
		}
		d.Settings = s
	}
	return defs, nil
}

// LoadSettings reads the organisations index's settings from fsys:
// settings.json in Meilisearch's format and synonyms.json as groups of
// equivalent words, expanded so each word of a group maps to every other
// one.
func LoadSettings(fsys fs.FS) (*meilisearch.Settings, error) {
	return loadSettings(fsys, "settings.json", "synonyms.json")
}

func loadSettings(fsys fs.FS, settingsFile, synonymsFile string) (*meilisearch.Settings, error) {
	b, err := fs.ReadFile(fsys, settingsFile)
	if err != nil {
		return nil, fmt.Errorf("search: read settings: %w", err)
	}
	var s meilisearch.Settings
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("search: parse %s: %w", settingsFile, err)
	}
	b, err = fs.ReadFile(fsys, synonymsFile)
	if err != nil {
		return nil, fmt.Errorf("search: read synonyms: %w", err)
	}
	var groups [][]string
	if err := json.Unmarshal(b, &groups); err != nil {
		return nil, fmt.Errorf("search: parse %s: %w", synonymsFile, err)
	}
	s.Synonyms = map[string][]string{}
	for _, g := range groups {
		for _, w := range g {
			for _, other := range g {
				if other != w {
					s.Synonyms[w] = append(s.Synonyms[w], other)
				}
			}
		}
	}
	return &s, nil
}
