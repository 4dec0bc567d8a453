package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/app"
	"github.com/partnerdir/partnerdir/internal/app/apptest"
	"github.com/partnerdir/partnerdir/internal/web"
	"github.com/partnerdir/partnerdir/internal/web/api"
	webfiles "github.com/partnerdir/partnerdir/web"
)

// loadContract loads web/api/openapi.json with kin-openapi and validates
// it as an OpenAPI 3.1 document (kin-openapi validates 3.1 documents and
// checks answers with a JSON Schema 2020-12 validator).
func loadContract(t *testing.T) (*openapi3.T, routers.Router) {
	t.Helper()
	raw, err := fs.ReadFile(webfiles.FS, api.SpecFile)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatalf("load %s: %v", api.SpecFile, err)
	}
	if !doc.IsOpenAPI31OrLater() || doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	if err := doc.Validate(ctx); err != nil {
		t.Fatalf("%s is not a valid OpenAPI document: %v", api.SpecFile, err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return doc, router
}

// apiRoutes are the route table's GET routes under /api/v1, written as
// the document writes paths ({slug} for :slug).
func apiRoutes(h *gin.Engine) (gets, options []string) {
	param := regexp.MustCompile(`:([a-z_]+)`)
	for _, r := range h.Routes() {
		if !strings.HasPrefix(r.Path, api.Prefix+"/") {
			continue
		}
		p := param.ReplaceAllString(r.Path, "{$1}")
		switch r.Method {
		case http.MethodGet:
			gets = append(gets, p)
		case http.MethodOptions:
			options = append(options, p)
		}
	}
	sort.Strings(gets)
	sort.Strings(options)
	return gets, options
}

// contractCall is one request of the contract test and the status it
// must get.
type contractCall struct {
	path   string
	status int
	// on names the server: "" the demo one, "limited" the one whose
	// bucket is empty, "down" the one whose search engines are both down.
	on string
}

// TestAPIContract holds the OpenAPI document to the truth: it is a valid
// OpenAPI 3.1 document; its paths are exactly the route table's under
// /api/v1 (each with its CORS preflight); and every operation, called on
// the real program over the demo data, answers every status the document
// gives it — 200, 304, 400, 404, 429, 503 — with headers and a body that
// kin-openapi's openapi3filter.ValidateResponse accepts (a 304, which it
// skips, is checked here: no body, the 200's ETag, the documented
// headers).
func TestAPIContract(t *testing.T) {
	t.Parallel()
	doc, router := loadContract(t)
	a := apptest.New(t, apptest.Setup{Options: app.Options{APILimit: web.RateLimit{Rate: 1000, Burst: 1000}}})
	apptest.Index(t, a)
	same := map[string]string{"DATABASE_URL": a.Config.DatabaseURL, "MEILI_INDEX": a.Config.MeiliIndex}
	limited := apptest.New(t, apptest.Setup{NoDemo: true, Env: same,
		Options: app.Options{APILimit: web.RateLimit{Rate: 0.0001, Burst: 1}}})
	bad, err := pgxpool.New(context.Background(), "postgres://postgres@127.0.0.1:1/none?connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bad.Close)
	downEnv := map[string]string{"DATABASE_URL": a.Config.DatabaseURL, "MEILI_INDEX": a.Config.MeiliIndex, "MEILI_URL": "http://127.0.0.1:1"}
	down := apptest.New(t, apptest.Setup{NoDemo: true, Env: downEnv, Options: app.Options{FallbackPool: bad}})
	servers := map[string]*gin.Engine{"": engine(a), "limited": engine(limited), "down": engine(down)}

	// The document and the route table list the same paths.
	gets, options := apiRoutes(engine(a))
	var documented []string
	for p, item := range doc.Paths.Map() {
		if item.Get == nil || len(item.Operations()) != 1 {
			t.Errorf("%s: the API is read-only, want exactly one operation, GET", p)
		}
		documented = append(documented, p)
	}
	sort.Strings(documented)
	if !slices.Equal(gets, documented) {
		t.Errorf("route table under %s:\n  %v\ndocument's paths:\n  %v", api.Prefix, gets, documented)
	}
	if !slices.Equal(options, gets) {
		t.Errorf("CORS preflights (OPTIONS) %v, want one per GET route %v", options, gets)
	}

	// Empty the limited server's bucket: every call there is then a 429.
	servers["limited"].ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, api.Prefix+"/themes", nil))

	calls := []contractCall{
		{"/api/v1/openapi.json", 200, ""},
		{"/api/v1/openapi.json?pretty=1", 400, ""},
		{"/api/v1/organisations", 200, ""},
		{"/api/v1/organisations?country=ML&limit=2", 200, ""},
		{"/api/v1/organisations?country=ml&theme=child-protection&kind=international-ngo&support=volunteering", 200, ""},
		{"/api/v1/organisations?q=ecpat", 200, ""},
		{"/api/v1/organisations?limit=100", 200, ""},
		{"/api/v1/organisations?limit=100000", 400, ""},
		{"/api/v1/organisations?country=ZZ", 400, ""},
		{"/api/v1/organisations?cursor=not*a*cursor", 400, ""},
		{"/api/v1/organisations?status=pending", 400, ""},
		{"/api/v1/organisations/ecpat-luxembourg", 200, ""},
		{"/api/v1/organisations/ecpat-luxembourg?private=1", 400, ""},
		{"/api/v1/organisations/no-such-organisation", 404, ""},
		{"/api/v1/organisations/ecpat-luxembourg/projects", 200, ""},
		{"/api/v1/organisations/ecpat-luxembourg/projects?limit=1", 400, ""},
		{"/api/v1/organisations/no-such-organisation/projects", 404, ""},
		{"/api/v1/countries", 200, ""},
		{"/api/v1/countries?lang=fr", 400, ""},
		{"/api/v1/themes", 200, ""},
		{"/api/v1/themes?limit=5", 400, ""},
		{"/api/v1/articles", 200, ""},
		{"/api/v1/articles?organisation=ecpat-luxembourg&lang=fr&country=ML&theme=human-rights-solidarity", 200, ""},
		{"/api/v1/articles?limit=1", 200, ""},
		{"/api/v1/articles?lang=de", 400, ""},
		{"/api/v1/articles?organisation=no-such-organisation", 400, ""},
		{"/api/v1/articles/we-love-ecpat", 200, ""},
		{"/api/v1/articles/we-love-ecpat?lang=en", 400, ""},
		{"/api/v1/articles/no-such-article", 404, ""},
		{"/api/v1/search?q=bamako", 200, ""},
		{"/api/v1/search?q=halimatou&type=news", 200, ""},
		{"/api/v1/search?country=ML&limit=1", 200, ""},
		{"/api/v1/search?type=people", 400, ""},
		{"/api/v1/search?limit=51", 400, ""},
		{"/api/v1/search?q=bamako", 503, "down"},
	}
	for p := range doc.Paths.Map() {
		calls = append(calls, contractCall{strings.ReplaceAll(strings.ReplaceAll(p, "{slug}", "ecpat-luxembourg"),
			"articles/ecpat-luxembourg", "articles/we-love-ecpat"), 429, "limited"})
	}
	// Every organisation of the demo, and the next pages of the lists.
	var list struct {
		Data []struct {
			APIURL string `json:"api_url"`
		} `json:"data"`
	}
	if err := json.Unmarshal(get(t, servers[""], "/api/v1/organisations?limit=100").Body.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	for _, o := range list.Data {
		calls = append(calls, contractCall{strings.TrimPrefix(o.APIURL, apptest.BaseURL), 200, ""})
	}

	exercised := map[string]bool{} // "getOrganisation 404"
	for i := 0; i < len(calls); i++ {
		call := calls[i]
		rec, route := validateCall(t, router, servers[call.on], call.path, "")
		if rec == nil {
			continue
		}
		if rec.Code != call.status {
			t.Errorf("GET %s: %d, want %d\n%s", call.path, rec.Code, call.status, rec.Body.String())
			continue
		}
		exercised[route.Operation.OperationID+" "+strconv.Itoa(rec.Code)] = true
		if rec.Code != http.StatusOK {
			continue
		}
		// A first page's next page (its Link header), once.
		if next := rec.Header().Get("Link"); next != "" && !strings.Contains(call.path, "cursor=") && !strings.Contains(call.path, "page=") {
			u := strings.TrimPrefix(strings.TrimSuffix(strings.TrimPrefix(next, "<"), `>; rel="next"`), apptest.BaseURL)
			calls = append(calls, contractCall{u, 200, call.on})
		}
		// The same request with the answer's ETag: 304, nothing else.
		etag := rec.Header().Get("ETag")
		again, _ := validateCall(t, router, servers[call.on], call.path, etag)
		if again == nil {
			continue
		}
		if again.Code != http.StatusNotModified || again.Body.Len() != 0 || again.Header().Get("ETag") != etag {
			t.Errorf("GET %s with If-None-Match %s: %d, ETag %q, %d bytes; want 304, the same ETag, no body",
				call.path, etag, again.Code, again.Header().Get("ETag"), again.Body.Len())
			continue
		}
		checkHeaders(t, route, again)
		exercised[route.Operation.OperationID+" 304"] = true
	}

	// Every documented answer of every operation was seen and validated.
	for p, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for status := range op.Responses.Map() {
				if !exercised[op.OperationID+" "+status] {
					t.Errorf("GET %s (%s): documented status %s never exercised", p, op.OperationID, status)
				}
			}
		}
	}
	t.Logf("%d calls, %d operation and status pairs exercised", len(calls), len(exercised))
	if len(exercised) < 40 {
		t.Errorf("only %d operation and status pairs exercised", len(exercised))
	}
}

// validateCall requests path (with If-None-Match etag when not "") and
// validates the answer against its operation; nil when the document has
// no route for path (reported).
func validateCall(t *testing.T, router routers.Router, h http.Handler, path, etag string) (*httptest.ResponseRecorder, *routers.Route) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Errorf("GET %s: no operation in the document: %v", path, err)
		return nil, nil
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 rec.Code,
		Header:                 rec.Header(),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(rec.Body.Bytes())
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("GET %s: %d does not match the document: %v\n%s", path, rec.Code, err, truncate(rec.Body.String(), 2000))
	}
	return rec, route
}

// checkHeaders checks a 304's headers against the document, which
// ValidateResponse does not.
func checkHeaders(t *testing.T, route *routers.Route, rec *httptest.ResponseRecorder) {
	t.Helper()
	resp := route.Operation.Responses.Status(rec.Code)
	if resp == nil || resp.Value == nil {
		t.Errorf("%s: no documented %d", route.Path, rec.Code)
		return
	}
	for name, h := range resp.Value.Headers {
		v := rec.Header().Get(name)
		if v == "" {
			if h.Value.Required {
				t.Errorf("%s %d: header %s missing", route.Path, rec.Code, name)
			}
			continue
		}
		if err := h.Value.Schema.Value.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
			t.Errorf("%s %d: header %s %q: %v", route.Path, rec.Code, name, v, err)
		}
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + fmt.Sprintf("… (%d bytes)", len(s))
	}
	return s
}
