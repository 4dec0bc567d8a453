package kit

import (
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/fault"
)

// StatusOf is the one table from error kinds to HTTP statuses. Invalid
// input on a page is a 400; a form redrawn with its field messages
// answers 422 (FormFailed). An error of no kind is a 500.
func StatusOf(err error) int {
	if status, ok := statusOfKind[fault.KindOf(err)]; ok {
		return status
	}
	return http.StatusInternalServerError
}

var statusOfKind = map[fault.Kind]int{
	fault.NotFound:     http.StatusNotFound,
	fault.Conflict:     http.StatusConflict,
	fault.Invalid:      http.StatusBadRequest,
	fault.Forbidden:    http.StatusForbidden,
	fault.Unauthorized: http.StatusUnauthorized,
	fault.RateLimited:  http.StatusTooManyRequests,
	fault.Unavailable:  http.StatusServiceUnavailable,
}

// retryAfter is the default Retry-After, in seconds, of the statuses that
// ask the client to come back.
var retryAfter = map[int]string{
	http.StatusTooManyRequests:    "60",
	http.StatusServiceUnavailable: "30",
}

// SetRetryAfter gives the answer to err, when it is a 429 or a 503, its
// Retry-After: the one the caller set (a limiter knows when its next token
// comes), else the error's own (fault.RetryAfterOf: a limit knows when its
// window ends), in whole seconds, else the default of its status. Fail
// calls it; so does a handler that answers such an error with its own
// page (a form redrawn with the refusal's message).
func SetRetryAfter(c *gin.Context, err error) {
	def, ok := retryAfter[StatusOf(err)]
	if !ok || c.Writer.Header().Get("Retry-After") != "" {
		return
	}
	if d := fault.RetryAfterOf(err); d > 0 {
		def = strconv.Itoa(int(math.Ceil(d.Seconds())))
	}
	c.Header("Retry-After", def)
}

// Fail turns any error into a response: the error page with the status of
// its kind and its message translated. An error of no kind is logged once,
// In full, and the user sees the calm 500 page with the request id; an
// unavailable dependency is logged too. A 429 or 503 always carries
// Retry-After (SetRetryAfter).
func (s *Kit) Fail(c *gin.Context, err error) {
	status := StatusOf(err)
	SetRetryAfter(c, err)
	switch status {
	case http.StatusInternalServerError:
		s.InternalError(c, err)
		return
	case http.StatusServiceUnavailable:
		s.Logger(c).Error("request failed: unavailable", "err", err)
	}
	s.RenderError(c, status, s.faultDetail(Lang(c), err))
}

// faultDetail is the sentence the error page shows for err: its message,
// and for invalid input each field's ("country: unknown country code XX"
// for a query parameter, whose error text is written for the page).
func (s *Kit) faultDetail(lang string, err error) string {
	var parts []string
	if id := fault.Message(err); id != "" {
		parts = append(parts, s.Translate(lang, id))
	}
	if fault.KindOf(err) == fault.Invalid {
		fields := fault.FieldsOf(err)
		names := make([]string, 0, len(fields))
		for f := range fields {
			names = append(names, f)
		}
		sort.Strings(names)
		value := fault.ValueOf(err) // named by messages such as "unknown country code {{.Value}}"
		for _, f := range names {
			parts = append(parts, f+": "+s.Translate(lang, fields[f], "Value", value))
		}
		if len(parts) == 0 {
			parts = append(parts, err.Error())
		}
	}
	return strings.Join(parts, "; ")
}

// FormFailed redraws a form after a refused action: invalid input is a 422
// with each field's message (the form's own parse errors in f, which may
// be nil, come first), a conflict a 409; any other error goes to Fail. The
// Form's alert is the error's own message (for invalid input without one,
// "manage.invalid").
func (s *Kit) FormFailed(c *gin.Context, err error, f *FormReader, redraw func(status int, st Form)) {
	kind := fault.KindOf(err)
	if kind != fault.Invalid && kind != fault.Conflict {
		s.Fail(c, err)
		return
	}
	lang := Lang(c)
	if f == nil {
		f = &FormReader{errs: map[string]string{}}
	}
	for field, id := range fault.FieldsOf(err) {
		f.Fail(field, id)
	}
	st := Form{Errors: s.fieldMessages(lang, f.errs), Conflict: kind == fault.Conflict}
	status := http.StatusConflict
	if kind == fault.Invalid {
		status = http.StatusUnprocessableEntity
		st.Alert = s.Translate(lang, "manage.invalid")
	}
	if id := fault.Message(err); id != "" {
		st.Alert = s.Translate(lang, id)
	}
	redraw(status, st)
}

// fieldMessages translates field → message id.
func (s *Kit) fieldMessages(lang string, errs map[string]string) map[string]string {
	out := make(map[string]string, len(errs))
	for f, id := range errs {
		out[f] = s.Translate(lang, id)
	}
	return out
}
