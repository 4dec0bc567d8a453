// Package search holds the declarative definitions of Partnerdir's search
// indexes — their settings and synonyms as JSON — embedded in the binary and
// applied idempotently at start-up, the way migrations/ holds the schema.
// The code that applies and queries them lives in internal/search
// (Declared lists the indexes and their files).
package search

import "embed"

// FS holds settings.json (the organisations index's settings, in
// Meilisearch's own format, without synonyms), articles.settings.json (the
// articles index's) and synonyms.json (groups of words that mean the same
// thing, for both; each word of a group is a synonym of every other).
//
//go:embed *.json
var FS embed.FS
