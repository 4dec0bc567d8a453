package web

import (
	"net/http"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/fault"
)

// statusOf is the one table from error kinds to HTTP statuses. Invalid
// input on a page is a 400; a form redrawn with its field messages
// answers 422 (formFailed). An error of no kind is a 500.
func statusOf(err error) int {
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

// fail turns any error into a response: the error page with the status of
// its kind and its message translated. An error of no kind is logged once,
// in full, and the user sees the calm 500 page with the request id; an
// unavailable dependency is logged too.
func (s *kit) fail(c *gin.Context, err error) {
	status := statusOf(err)
	switch status {
	case http.StatusInternalServerError:
		s.internalError(c, err)
		return
	case http.StatusServiceUnavailable:
		s.logger(c).Error("request failed: unavailable", "err", err)
	}
	s.errorPage(c, status, s.faultDetail(c.GetString(ctxLang), err))
}

// faultDetail is the sentence the error page shows for err: its message,
// and for invalid input each field's ("country: unknown country code XX"
// for a query parameter, whose error text is written for the page).
func (s *kit) faultDetail(lang string, err error) string {
	var parts []string
	if id := fault.Message(err); id != "" {
		parts = append(parts, s.tr.T(lang, id))
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
			parts = append(parts, f+": "+s.tr.T(lang, fields[f], "Value", value))
		}
		if len(parts) == 0 {
			parts = append(parts, err.Error())
		}
	}
	return strings.Join(parts, "; ")
}

// formFailed redraws a form after a refused action: invalid input is a 422
// with each field's message (the form's own parse errors in f, which may
// be nil, come first), a conflict a 409; any other error goes to fail. The
// Form's alert is the error's own message (for invalid input without one,
// "manage.invalid").
func (s *kit) formFailed(c *gin.Context, err error, f *formReader, redraw func(status int, st Form)) {
	kind := fault.KindOf(err)
	if kind != fault.Invalid && kind != fault.Conflict {
		s.fail(c, err)
		return
	}
	lang := c.GetString(ctxLang)
	if f == nil {
		f = &formReader{errs: map[string]string{}}
	}
	for field, id := range fault.FieldsOf(err) {
		f.fail(field, id)
	}
	st := Form{Errors: s.fieldMessages(lang, f.errs), Conflict: kind == fault.Conflict}
	status := http.StatusConflict
	if kind == fault.Invalid {
		status = http.StatusUnprocessableEntity
		st.Alert = s.tr.T(lang, "manage.invalid")
	}
	if id := fault.Message(err); id != "" {
		st.Alert = s.tr.T(lang, id)
	}
	redraw(status, st)
}

// fieldMessages translates field → message id.
func (s *kit) fieldMessages(lang string, errs map[string]string) map[string]string {
	out := make(map[string]string, len(errs))
	for f, id := range errs {
		out[f] = s.tr.T(lang, id)
	}
	return out
}
