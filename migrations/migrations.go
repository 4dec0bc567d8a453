// Package migrations holds the numbered SQL migrations of the schema,
// embedded so the binary can migrate any database it is pointed at.
package migrations

import "embed"

// FS holds every migration file, named NNNNN_description.sql (goose format).
//
//go:embed *.sql
var FS embed.FS
