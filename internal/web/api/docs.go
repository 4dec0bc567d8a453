package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// The API's page for people, /api: its endpoints and their parameters
// are read from the OpenAPI document (so the page cannot list a route the
// contract lacks), their descriptions from the locale files (api.op.* and
// api.param.*), and its examples from web/api/examples.json — the same
// file the page's test runs, request by request.

// Example is one example the page shows: a request and an abbreviated
// answer (what the test checks the real answer holds).
type Example struct {
	// ID names its caption in the locale files: api.example.<ID>.
	ID string `json:"id"`
	// Request is the path and query string, under the site's address.
	Request string `json:"request"`
	// Response is the abbreviated answer, as shown.
	Response string `json:"response"`
}

// ExampleView is an example ready to show.
type ExampleView struct {
	Caption  string
	Curl     string
	Response string
}

// Operation is one endpoint of the document, ready to show.
type Operation struct {
	Method, Path, Summary string
	Params                []ParamView
}

// ParamView is one parameter of an operation.
type ParamView struct {
	Name, In, Description string
}

// DocsPage is the data of /api.
type DocsPage struct {
	kit.Page
	Operations []Operation
	Examples   []ExampleView
	SpecURL    string
}

// ShowDocs answers GET /api.
func (h *Handlers) ShowDocs(c *gin.Context) {
	pg, ok := h.HeaderPage(c, "api.title", "")
	if !ok {
		return
	}
	lang := pg.Lang
	ops, err := operations(h.spec)
	if err != nil {
		h.InternalError(c, err)
		return
	}
	p := DocsPage{Page: pg, SpecURL: h.BaseURL() + Prefix + "/openapi.json"}
	for _, op := range ops {
		for i := range op.Params {
			op.Params[i].Description = h.Translate(lang, "api.param."+op.Params[i].Name)
		}
		op.Summary = h.Translate(lang, "api.op."+op.Summary)
		p.Operations = append(p.Operations, op)
	}
	for _, e := range h.examples {
		p.Examples = append(p.Examples, ExampleView{Caption: h.Translate(lang, "api.example."+e.ID),
			Curl: "curl -s '" + h.BaseURL() + e.Request + "'", Response: e.Response})
	}
	h.Render(c, http.StatusOK, "api", p)
}

// specDocument is what the page reads of the OpenAPI document.
type specDocument struct {
	Paths      map[string]map[string]specOperation `json:"paths"`
	Components struct {
		Parameters map[string]specParam `json:"parameters"`
	} `json:"components"`
}

type specOperation struct {
	OperationID string      `json:"operationId"`
	Parameters  []specParam `json:"parameters"`
}

type specParam struct {
	Ref  string `json:"$ref"`
	Name string `json:"name"`
	In   string `json:"in"`
}

// operations lists the document's GET operations by path; Summary holds
// the operation id (the key of its description).
func operations(spec []byte) ([]Operation, error) {
	var d specDocument
	if err := json.Unmarshal(spec, &d); err != nil {
		return nil, fmt.Errorf("api: read %s: %w", SpecFile, err)
	}
	paths := make([]string, 0, len(d.Paths))
	for p := range d.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var out []Operation
	for _, path := range paths {
		get, ok := d.Paths[path]["get"]
		if !ok {
			continue
		}
		op := Operation{Method: "GET", Path: path, Summary: get.OperationID}
		for _, prm := range get.Parameters {
			if name, ok := strings.CutPrefix(prm.Ref, "#/components/parameters/"); ok {
				prm = d.Components.Parameters[name]
			}
			if prm.Name == "" || prm.In == "header" {
				continue
			}
			op.Params = append(op.Params, ParamView{Name: prm.Name, In: prm.In})
		}
		out = append(out, op)
	}
	return out, nil
}
