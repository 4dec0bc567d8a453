// Package web holds what the browser receives: the HTML templates, the
// static files and the interface translations, embedded in the binary.
package web

import "embed"

// FS holds templates/, static/, locales/ and api/ (the OpenAPI document
// and the API page's examples).
//
//go:embed templates static locales api
var FS embed.FS
