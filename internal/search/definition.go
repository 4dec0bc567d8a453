package search

import (
	"encoding/json"
	"fmt"
	"io/fs"

	"github.com/meilisearch/meilisearch-go"
)

// LoadSettings reads the index definition from fsys (the embedded search/
// folder): settings.json in Meilisearch's format and synonyms.json as
// groups of equivalent words, expanded so each word of a group maps to
// every other one.
func LoadSettings(fsys fs.FS) (*meilisearch.Settings, error) {
	b, err := fs.ReadFile(fsys, "settings.json")
	if err != nil {
		return nil, fmt.Errorf("search: read settings: %w", err)
	}
	var s meilisearch.Settings
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("search: parse settings.json: %w", err)
	}
	b, err = fs.ReadFile(fsys, "synonyms.json")
	if err != nil {
		return nil, fmt.Errorf("search: read synonyms: %w", err)
	}
	var groups [][]string
	if err := json.Unmarshal(b, &groups); err != nil {
		return nil, fmt.Errorf("search: parse synonyms.json: %w", err)
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
