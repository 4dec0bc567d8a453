package kit

import (
	"encoding/json"
	"net/http"
	"sort"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/fault"
)

// ProblemType is the base of every problem's "type" URI; the kind's name
// follows it ("…/problems/invalid-input").
const ProblemType = "/api/v1/problems/"

// ProblemJSON is the media type of an RFC 9457 problem document.
const ProblemJSON = "application/problem+json"

// Problem is an RFC 9457 problem document, the body of every error answer
// of the JSON APIs. InvalidParams names each refused parameter (query
// parameter or field) with its message, in English: an API's messages are
// for the programmer, not the visitor.
type Problem struct {
	Type          string         `json:"type"`
	Title         string         `json:"title"`
	Status        int            `json:"status"`
	Detail        string         `json:"detail,omitempty"`
	Instance      string         `json:"instance,omitempty"`
	RequestID     string         `json:"request_id,omitempty"`
	InvalidParams []InvalidParam `json:"invalid_params,omitempty"`
}

// InvalidParam is one refused parameter of a Problem.
type InvalidParam struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// ProblemOf is the problem document err answers with: the status of its
// kind (StatusOf), the kind as type and title, its message and, for
// invalid input, each field with its message, in English. An error of no
// kind is a bare 500 that says nothing of its cause.
func (s *Kit) ProblemOf(c *gin.Context, err error) Problem {
	status := StatusOf(err)
	kind := fault.KindOf(err)
	p := Problem{
		Type:      ProblemType + slugOfKind(kind),
		Title:     http.StatusText(status),
		Status:    status,
		Instance:  c.Request.URL.Path,
		RequestID: RequestID(c),
	}
	if status == http.StatusInternalServerError {
		p.Type = ProblemType + "internal"
		return p
	}
	if id := fault.Message(err); id != "" {
		p.Detail = s.Translate("en", id)
	}
	if kind == fault.Invalid {
		fields := fault.FieldsOf(err)
		names := make([]string, 0, len(fields))
		for f := range fields {
			names = append(names, f)
		}
		sort.Strings(names)
		value := fault.ValueOf(err)
		for _, f := range names {
			p.InvalidParams = append(p.InvalidParams, InvalidParam{Name: f, Reason: s.Translate("en", fields[f], "Value", value)})
		}
		if p.Detail == "" && len(names) > 0 {
			p.Detail = "invalid parameter: " + names[0]
			for _, n := range names[1:] {
				p.Detail += ", " + n
			}
		}
	}
	return p
}

// FailJSON answers err as a problem document (ProblemOf) with the status
// of its kind; a 429 or 503 carries Retry-After (SetRetryAfter). An error
// of no kind is logged once, in full; an unavailable dependency too.
func (s *Kit) FailJSON(c *gin.Context, err error) {
	p := s.ProblemOf(c, err)
	SetRetryAfter(c, err)
	switch p.Status {
	case http.StatusInternalServerError:
		s.Logger(c).Error("request failed", "err", err)
	case http.StatusServiceUnavailable:
		s.Logger(c).Error("request failed: unavailable", "err", err)
	}
	WriteProblem(c, p)
}

// WriteProblem writes p as application/problem+json with its status; the
// answer is never cached.
func WriteProblem(c *gin.Context, p Problem) {
	body, err := json.Marshal(p)
	if err != nil { // a Problem always marshals
		body = []byte(`{"type":"` + ProblemType + `internal","title":"Internal Server Error","status":500}`)
		p.Status = http.StatusInternalServerError
	}
	c.Header("Cache-Control", "no-store")
	c.Data(p.Status, ProblemJSON, body)
	c.Abort()
}

// slugOfKind names a kind in a URI ("not-found").
func slugOfKind(k fault.Kind) string {
	name := []byte(k.String())
	for i, b := range name {
		if b == ' ' {
			name[i] = '-'
		}
	}
	return string(name)
}
