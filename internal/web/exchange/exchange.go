// Package exchange serves the directory as open data for other
// directories: the Open Referral HSDS 3.0 API under /api/hsds
// (organizations, paged as the HSDS OpenAPI document says, and one
// organization by its id). Public data only, JSON, errors as RFC 9457
// problem documents (kit.FailJSON), ETags, CORS for any origin without
// credentials.
package exchange

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/hsds"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// Paging of /api/hsds/organizations: HSDS names the parameters (page,
// per_page) and leaves their bounds to us.
const (
	DefaultPerPage = 50
	MaxPerPage     = 100
	// maxPage bounds page so that page × per_page stays a small number;
	// no directory has that many organisations.
	maxPage = 1_000_000
)

// cacheControl lets shared caches keep an answer a minute; a client that
// keeps it longer revalidates with If-None-Match.
const cacheControl = "public, max-age=60"

// API is the HSDS API's handler group.
type API struct {
	*kit.Kit
	dir *directory.Store
}

// New is the group over k with the directory it reads.
func New(k *kit.Kit, dir *directory.Store) *API {
	return &API{Kit: k, dir: dir}
}

// Page is the HSDS API's envelope of a list (the OpenAPI document's Page
// schema), with the records in Contents: organization_list records, or
// whole organizations with full=true.
type Page struct {
	TotalItems int  `json:"total_items"`
	TotalPages int  `json:"total_pages"`
	PageNumber int  `json:"page_number"`
	Size       int  `json:"size"`
	FirstPage  bool `json:"first_page"`
	LastPage   bool `json:"last_page"`
	Empty      bool `json:"empty"`
	Contents   any  `json:"contents"`
}

// listParams are the query parameters of the list, as HSDS names them.
type listParams struct {
	page, perPage int
	full          bool
}

// known are the parameters the list reads; HSDS's search is known in order
// to refuse it by name.
var known = map[string]bool{"page": true, "per_page": true, "full": true, "full_service": true, "format": true, "search": true}

func parseList(c *gin.Context) (listParams, error) {
	p := listParams{page: 1, perPage: DefaultPerPage}
	var fields fault.Fields
	for name := range c.Request.URL.Query() {
		if !known[name] {
			fields.Add(name, "hsds.param.unknown")
		}
	}
	q := kit.NewQueryReader(c)
	number := func(name string, max int, tooBig string) int {
		v := q.Str(name)
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		switch {
		case err != nil && len(v) < 20 && strings.Trim(v, "0123456789") == "":
			fields.Add(name, tooBig) // digits only, beyond int: too big
		case err != nil || n < 1:
			fields.Add(name, "param.err.page")
		case n > max:
			fields.Add(name, tooBig)
		}
		return n
	}
	boolean := func(name string) bool {
		switch q.Str(name) {
		case "", "false":
			return false
		case "true":
			return true
		}
		fields.Add(name, "hsds.param.boolean")
		return false
	}
	if n := number("page", maxPage, "param.err.page_range"); n > 0 {
		p.page = n
	}
	if n := number("per_page", MaxPerPage, "param.err.per_page"); n > 0 {
		p.perPage = n
	}
	p.full = boolean("full")
	boolean("full_service") // we have no services: nothing to expand
	if f := q.Str("format"); f != "" && f != "json" {
		fields.Add("format", "hsds.param.format")
	}
	if q.Str("search") != "" {
		fields.Add("search", "hsds.param.search")
	}
	if err := q.Err(); err != nil { // a repeated or over-long value
		fields.Merge("", err)
	}
	return p, fields.Err()
}

// ListOrganizations answers GET /api/hsds/organizations: a page of the
// published organisations in a stable order (our ids), as HSDS 3.0's
// organization_list records, or whole records with full=true. The total
// comes from the directory's cached count.
func (s *API) ListOrganizations(c *gin.Context) {
	cors(c)
	p, err := parseList(c)
	if err != nil {
		s.FailJSON(c, err)
		return
	}
	ctx := c.Request.Context()
	total, err := s.dir.PublishedTotal(ctx)
	if err != nil {
		s.FailJSON(c, err)
		return
	}
	var profiles []*directory.Profile
	offset := (p.page - 1) * p.perPage
	if offset < total {
		if profiles, err = s.dir.PublishedProfiles(ctx, offset, p.perPage, p.full); err != nil {
			s.FailJSON(c, err)
			return
		}
	}
	pages := (total + p.perPage - 1) / p.perPage
	var contents any
	if p.full {
		records := make([]hsds.Organization, len(profiles))
		for i, pr := range profiles {
			records[i] = hsds.Encode(pr)
		}
		contents = records
	} else {
		records := make([]hsds.OrganizationSummary, len(profiles))
		for i, pr := range profiles {
			records[i] = hsds.Summarize(pr)
		}
		contents = records
	}
	s.writeJSON(c, Page{TotalItems: total, TotalPages: pages, PageNumber: p.page, Size: len(profiles),
		FirstPage: p.page == 1, LastPage: p.page >= pages, Empty: len(profiles) == 0, Contents: contents})
}

// ShowOrganization answers GET /api/hsds/organizations/:id: the public
// record of the published organisation with that HSDS id; an unknown or
// unpublished one is a 404 problem, an id that is not a UUID a 400.
func (s *API) ShowOrganization(c *gin.Context) {
	cors(c)
	var fields fault.Fields
	for name := range c.Request.URL.Query() {
		if name != "full_service" {
			fields.Add(name, "hsds.param.unknown")
		}
	}
	id, err := uuid.Parse(c.Param("id"))
	if err != nil || len(c.Param("id")) != 36 {
		fields.Add("id", "hsds.param.uuid")
	}
	if err := fields.Err(); err != nil {
		s.FailJSON(c, err)
		return
	}
	p, err := s.dir.ProfileByHSDSID(c.Request.Context(), id.String())
	if err != nil {
		s.FailJSON(c, err)
		return
	}
	s.writeJSON(c, hsds.Encode(p))
}

// cors lets any site's scripts read the answers: they are public, and no
// credential is ever asked for or used (Allow-Credentials is never sent,
// so a browser sends none cross-origin).
func cors(c *gin.Context) {
	c.Header("Access-Control-Allow-Origin", "*")
	c.Header("Access-Control-Expose-Headers", "ETag")
}

// writeJSON answers v with a strong ETag over its bytes, or 304 when the
// client already holds them.
func (s *API) writeJSON(c *gin.Context, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		s.FailJSON(c, err)
		return
	}
	kit.WriteTagged(c, http.StatusOK, "application/json; charset=utf-8", cacheControl, body)
}
