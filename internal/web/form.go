package web

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/fault"
)

// The form kit: Form is what a page with a form embeds (the outcome of a
// refused action and the helpers its templates draw fields with), and
// formReader is the one way a handler reads a posted form.

// Form is the state a form is drawn in: each field's message, already
// translated, the alert above the form and whether someone else saved the
// record meanwhile. formFailed fills it after a refused action; the zero
// Form is a fresh one. Its Input, Select and Err serve the "input",
// "select" and "checks" templates.
type Form struct {
	// Errors are field messages, already translated, keyed by field name.
	Errors map[string]string
	// Alert is a message about the whole form, already translated.
	Alert string
	// Conflict says someone else saved the record meanwhile.
	Conflict bool
	// t translates the fields' labels into the page's language (see in).
	t func(id string, data ...any) string
}

// in is f drawn on a page in b's language.
func (f Form) in(b Base) Form {
	f.t = b.T
	return f
}

// Err is the message for field, or "".
func (f Form) Err(field string) string { return f.Errors[field] }

// Option is one choice of a select or a group of checkboxes.
type Option struct {
	Value    string
	Label    string
	Selected bool
}

// Field is one form control with its label, value and error, for the
// "input", "textarea", "select" and "checks" templates.
type Field struct {
	Name     string
	Label    string
	Type     string
	Value    string
	Err      string
	Options  []Option
	Multiple bool
}

func (f Form) field(typ, name, labelID string) Field {
	label := labelID
	if f.t != nil {
		label = f.t(labelID)
	}
	return Field{Type: typ, Name: name, Label: label, Err: f.Errors[name]}
}

// Input is a text-like input (typ: text, email, url, tel, number, date).
func (f Form) Input(typ, name, labelID string, value any) Field {
	fd := f.field(typ, name, labelID)
	switch v := value.(type) {
	case int:
		if v != 0 {
			fd.Value = strconv.Itoa(v)
		}
	case string:
		fd.Value = v
	default:
		fd.Value = fmt.Sprint(v)
	}
	return fd
}

// Select is a select (several choices with multiple).
func (f Form) Select(name, labelID string, opts []Option, multiple bool) Field {
	fd := f.field("select", name, labelID)
	fd.Options, fd.Multiple = opts, multiple
	return fd
}

// formReader reads a posted form into typed values, collecting parse
// errors by field (message ids) for formFailed.
type formReader struct {
	c    *gin.Context
	errs map[string]string
}

func newFormReader(c *gin.Context) *formReader { return &formReader{c: c, errs: map[string]string{}} }

func (f *formReader) fail(field, msg string) {
	if _, ok := f.errs[field]; !ok {
		f.errs[field] = msg
	}
}

func (f *formReader) failed() error {
	if len(f.errs) == 0 {
		return nil
	}
	return fault.Fields(f.errs).Err()
}

// raw is the value as posted, spaces kept (passwords, free text).
func (f *formReader) raw(name string) string { return f.c.PostForm(name) }

func (f *formReader) str(name string) string { return strings.TrimSpace(f.c.PostForm(name)) }

func (f *formReader) strs(name string) []string {
	var out []string
	for _, v := range f.c.PostFormArray(name) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func (f *formReader) bool(name string) bool { return f.c.PostForm(name) != "" }

func (f *formReader) int(name string) int {
	v := f.str(name)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		f.fail(name, "manage.err.not_a_whole_number")
	}
	return n
}

func (f *formReader) id(name string) int64 {
	v := f.str(name)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		f.fail(name, "manage.err.choose_from_the_list")
	}
	return n
}

func (f *formReader) float(name string) *float64 {
	v := strings.ReplaceAll(f.str(name), ",", ".")
	if v == "" {
		return nil
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil {
		f.fail(name, "manage.err.not_a_number")
		return nil
	}
	return &n
}

func (f *formReader) date(name string) *time.Time {
	v := f.str(name)
	if v == "" {
		return nil
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		f.fail(name, "manage.err.not_a_date")
		return nil
	}
	return &t
}
