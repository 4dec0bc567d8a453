// Package web holds what the browser receives: the HTML templates, the
// static files and the interface translations, embedded in the binary.
package web

import "embed"

// FS holds templates/, static/ and locales/.
//
//go:embed templates static locales
var FS embed.FS
