// Package api is the public read API under /api/v1: the directory's
// published organisations (with their public offices, team, projects and
// contact points), projects, countries and themes with their counts, the
// partners' published articles and search, as JSON for anyone — no
// account, no session, nothing private. Its contract is the OpenAPI 3.1
// document web/api/openapi.json, served at /api/v1/openapi.json and
// checked against every answer by the contract test; /api is its page for
// people.
//
// Every answer carries a strong ETag (If-None-Match gives 304),
// Cache-Control and CORS headers for simple GET requests without
// credentials; every error is an RFC 9457 problem document (kit.FailJSON)
// naming the refused parameter. The route table adds the per-client rate
// limit.
package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/news"
	"github.com/partnerdir/partnerdir/internal/search"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// Prefix is the path every route of this version of the API starts with.
const Prefix = "/api/v1"

// SpecFile is the OpenAPI document's path in the web/ tree.
const SpecFile = "api/openapi.json"

// ExamplesFile is the path, in the web/ tree, of the examples the API page
// shows (and its test runs).
const ExamplesFile = "api/examples.json"

// cacheControl lets browsers and shared caches keep an answer a minute;
// after that the ETag makes asking again cheap.
const cacheControl = "public, max-age=60"

// Default and largest page sizes of the lists.
const (
	defaultLimit = 20
	maxLimit     = 100
)

// Handlers answers the API's routes and its page.
type Handlers struct {
	*kit.Kit
	dir    *directory.Store
	news   *news.Store
	search *search.Service
	// spec is the OpenAPI document, served as it is written.
	spec []byte
	// examples are what the API page shows.
	examples []Example
}

// New reads the OpenAPI document and the examples from files (the web/
// tree): a missing or malformed one fails construction.
func New(k *kit.Kit, files fs.FS, dir *directory.Store, nw *news.Store, sr *search.Service) (*Handlers, error) {
	spec, err := fs.ReadFile(files, SpecFile)
	if err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	if !json.Valid(spec) {
		return nil, fmt.Errorf("api: %s is not JSON", SpecFile)
	}
	raw, err := fs.ReadFile(files, ExamplesFile)
	if err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	var examples []Example
	if err := json.Unmarshal(raw, &examples); err != nil {
		return nil, fmt.Errorf("api: %s: %w", ExamplesFile, err)
	}
	return &Handlers{Kit: k, dir: dir, news: nw, search: sr, spec: spec, examples: examples}, nil
}

// Owns reports whether the request is for the API (any version, any
// path under /api/): its unknown routes and methods answer problem
// documents, not the HTML error page.
func Owns(c *gin.Context) bool {
	return strings.HasPrefix(c.Request.URL.Path, "/api/")
}

// NotFound answers an unknown route under /api/ with a 404 problem.
func (h *Handlers) NotFound(c *gin.Context) {
	h.FailJSON(c, fault.ErrNotFound)
}

// Methods are what every API path answers: HEAD is GET without the body.
const Methods = "GET, HEAD, OPTIONS"

// MethodNotAllowed answers a known API path asked with another method
// than Methods with a 405 problem.
func (h *Handlers) MethodNotAllowed(c *gin.Context) {
	c.Header("Allow", Methods)
	kit.WriteProblem(c, kit.Problem{Type: kit.ProblemType + "method-not-allowed", Title: http.StatusText(http.StatusMethodNotAllowed),
		Status: http.StatusMethodNotAllowed, Detail: h.Translate("en", "api.err.method"), Instance: c.Request.URL.Path,
		RequestID: kit.RequestID(c)})
}

// Headers is the middleware of every API route: CORS for simple requests
// without credentials (anyone's page may read public data, never with
// the visitor's cookies), the headers a script may read, and no Vary on
// the visitor's language or cookie, which answers do not depend on.
func Headers(c *gin.Context) {
	SetHeaders(c)
	c.Next()
}

// SetHeaders sets Headers' headers, for an answer outside the API's
// routes (its 404 and 405).
func SetHeaders(c *gin.Context) {
	hd := c.Writer.Header()
	hd.Set("Access-Control-Allow-Origin", "*")
	hd.Set("Access-Control-Expose-Headers", "ETag, Link, Retry-After, X-Request-Id")
	hd.Del("Vary")
}

// Preflight answers a CORS preflight (OPTIONS) on any API path: reads
// only (Methods), the headers a conditional read needs, kept for a day.
// Credentials are never allowed.
func Preflight(c *gin.Context) {
	hd := c.Writer.Header()
	hd.Set("Access-Control-Allow-Methods", Methods)
	hd.Set("Access-Control-Allow-Headers", "Accept, Accept-Language, If-None-Match")
	hd.Set("Access-Control-Max-Age", "86400")
	hd.Set("Allow", Methods)
	c.Status(http.StatusNoContent)
}

// ShowSpec answers GET /api/v1/openapi.json: the contract, as written.
func (h *Handlers) ShowSpec(c *gin.Context) {
	if _, err := readParams(c); err != nil {
		h.FailJSON(c, err)
		return
	}
	kit.WriteTagged(c, http.StatusOK, "application/json; charset=utf-8", cacheControl, h.spec)
}

// writeJSON answers v as JSON with its ETag (or 304), and, for a list with
// a next page, the Link header RFC 8288 defines.
func (h *Handlers) writeJSON(c *gin.Context, v any, next string) {
	// Plain &, < and > (not \u0026…): the body is never HTML, and
	// nosniff keeps a browser from taking it for some.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	body := buf.Bytes()
	if err != nil {
		h.FailJSON(c, fmt.Errorf("api: encode %s: %w", c.FullPath(), err))
		return
	}
	if next != "" {
		c.Header("Link", "<"+next+`>; rel="next"`)
	}
	kit.WriteTagged(c, http.StatusOK, "application/json; charset=utf-8", cacheControl, body)
}

// maxParamName bounds the name of an unknown parameter quoted back.
const maxParamName = 64

// readParams refuses any query parameter but allowed (each answer names
// the first unknown one, in order) and returns the reader of the others.
func readParams(c *gin.Context, allowed ...string) (*kit.QueryReader, error) {
	var unknown []string
	for name := range c.Request.URL.Query() {
		if !slices.Contains(allowed, name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		name := unknown[0]
		if len(name) > maxParamName {
			name = name[:maxParamName]
		}
		return nil, fault.InvalidField(strings.ToValidUTF8(name, "?"), "api.err.unknown_param")
	}
	return kit.NewQueryReader(c), nil
}

// limitParam is the page size in parameter "limit": def when absent, else
// a whole number from 1 to most.
func limitParam(q *kit.QueryReader, def, most int) (int, error) {
	v := q.Str("limit")
	if err := q.Err(); err != nil || v == "" {
		return def, err
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > most {
		return 0, fault.InvalidValue("limit", "api.err.limit", strconv.Itoa(most))
	}
	return n, nil
}

// cursorError names the cursor parameter in the stores' refusal of a
// malformed cursor (their own names are the web's after/before).
func cursorError(err error) error {
	if fault.KindOf(err) == fault.Invalid {
		if _, ok := fault.FieldsOf(err)["after/before"]; ok {
			return fault.InvalidField("cursor", "param.err.cursor")
		}
	}
	return err
}

// link is the absolute URL of path with v as its query string.
func (h *Handlers) link(path string, v url.Values) string {
	return h.BaseURL() + kit.Link(path, v)
}
