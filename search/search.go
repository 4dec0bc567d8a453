// Package search holds the declarative definition of Partnerdir's search
// index — its settings and synonyms as JSON — embedded in the binary and
// applied idempotently at start-up, the way migrations/ holds the schema.
// The code that applies and queries it lives in internal/search.
package search

import "embed"

// FS holds settings.json (Meilisearch index settings, in Meilisearch's own
// format, without synonyms) and synonyms.json (groups of words that mean
// the same thing; each word of a group is a synonym of every other).
//
//go:embed *.json
var FS embed.FS
