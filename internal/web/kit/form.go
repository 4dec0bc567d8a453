package kit

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/fault"
)

// The form kit: Form is what a page with a form embeds (the outcome of a
// refused action and the helpers its templates draw fields with), and
// FormReader is the one way a handler reads a posted form.

// Form is the state a form is drawn in: each field's message, already
// translated, the alert above the form and whether someone else saved the
// record meanwhile. FormFailed fills it after a refused action; the zero
// Form is a fresh one. Its Input, Select and Err serve the "input",
// "select" and "checks" templates.
type Form struct {
	// Errors are field messages, already translated, keyed by field name.
	Errors map[string]string
	// Alert is a message about the whole form, already translated.
	Alert string
	// Conflict says someone else saved the record meanwhile.
	Conflict bool
	// t translates the fields' labels into the page's language (see In).
	t func(id string, data ...any) string
}

// In is f drawn on a page in b's language.
func (f Form) In(b Base) Form {
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

// FormReader reads a posted form into typed values, collecting parse
// errors by field (message ids) for FormFailed.
type FormReader struct {
	c    *gin.Context
	errs map[string]string
}

// NewFormReader reads the form posted with c.
func NewFormReader(c *gin.Context) *FormReader { return &FormReader{c: c, errs: map[string]string{}} }

// Fail records msg (a message id) for field, unless field already has one.
func (f *FormReader) Fail(field, msg string) {
	if _, ok := f.errs[field]; !ok {
		f.errs[field] = msg
	}
}

// Failed is the parse errors so far as an Invalid error by field, or nil.
func (f *FormReader) Failed() error {
	if len(f.errs) == 0 {
		return nil
	}
	return fault.Fields(f.errs).Err()
}

// Raw is the value as posted, spaces kept (passwords, free text).
func (f *FormReader) Raw(name string) string { return f.c.PostForm(name) }

// Str is the value as posted, trimmed.
func (f *FormReader) Str(name string) string { return strings.TrimSpace(f.c.PostForm(name)) }

// Strs are the values posted under name, trimmed, empty ones left out.
func (f *FormReader) Strs(name string) []string {
	var out []string
	for _, v := range f.c.PostFormArray(name) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// Bool says whether a value was posted under name (a checkbox).
func (f *FormReader) Bool(name string) bool { return f.c.PostForm(name) != "" }

// Int is the value as a whole number, 0 when empty.
func (f *FormReader) Int(name string) int {
	v := f.Str(name)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		f.Fail(name, "manage.err.not_a_whole_number")
	}
	return n
}

// ID is the value as the id of a choice from a list, 0 when empty.
func (f *FormReader) ID(name string) int64 {
	v := f.Str(name)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		f.Fail(name, "manage.err.choose_from_the_list")
	}
	return n
}

// Float is the value as a number (a comma as decimal point is allowed), nil
// when empty.
func (f *FormReader) Float(name string) *float64 {
	v := strings.ReplaceAll(f.Str(name), ",", ".")
	if v == "" {
		return nil
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil {
		f.Fail(name, "manage.err.not_a_number")
		return nil
	}
	return &n
}

// Date is the value as a date (2006-01-02), nil when empty.
func (f *FormReader) Date(name string) *time.Time {
	v := f.Str(name)
	if v == "" {
		return nil
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		f.Fail(name, "manage.err.not_a_date")
		return nil
	}
	return &t
}

// ErrorSummary is the list of a refused form's problems that starts the
// form: each links to its field, so a keyboard or screen-reader user
// reaches it in one step.
type ErrorSummary struct {
	Items []SummaryItem
}

// SummaryItem is one problem: the field's label and message, and the id
// of the field's control to link to.
type SummaryItem struct {
	Anchor, Label, Message string
}

// labelAreas are the message id prefixes of the forms' field labels, in
// the order they are tried: a label is found by its field's name
// (manage.f.name, offers.form.email, …).
var labelAreas = []string{"manage.f.", "join.f.", "newsletter.f.", "newsroom.f.", "offers.form.", "account.f.", "auth.f."}

// Summary lists the form's field messages, fields named by their label
// when the page's language has one; ids of controls are prefix+name (the
// "input" and "select" templates' are "f-"+name). Nil without errors. The
// items follow the fields' names, with a row's number last
// (identifier_value_0 before identifier_scheme_1), as the forms lay them
// out in that order rarely enough not to matter to a list read first.
func (f Form) Summary(prefix string) *ErrorSummary {
	if len(f.Errors) == 0 {
		return nil
	}
	names := make([]string, 0, len(f.Errors))
	for name := range f.Errors {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		ra, na := splitRow(a)
		rb, nb := splitRow(b)
		return cmp.Or(cmp.Compare(ra, rb), strings.Compare(na, nb))
	})
	out := &ErrorSummary{}
	for _, name := range names {
		out.Items = append(out.Items, SummaryItem{Anchor: prefix + name, Label: f.label(name), Message: f.Errors[name]})
	}
	return out
}

// splitRow parses a field of a repeated row ("identifier_scheme_2") into
// its row number and the rest; other fields are row -1.
func splitRow(name string) (int, string) {
	i := strings.LastIndexByte(name, '_')
	if i < 0 {
		return -1, name
	}
	n, err := strconv.Atoi(name[i+1:])
	if err != nil {
		return -1, name
	}
	return n, name[:i]
}

// label is the field's label in the page's language, or "".
func (f Form) label(name string) string {
	if f.t == nil {
		return ""
	}
	row, base := splitRow(name)
	ids := make([]string, 0, len(labelAreas)+1)
	for _, area := range labelAreas {
		ids = append(ids, area+name)
	}
	if row >= 0 { // identifier_scheme_0 → identifier.f.scheme, row 1
		if area, field, ok := strings.Cut(base, "_"); ok {
			ids = append(ids, area+".f."+field)
		}
	}
	for _, id := range ids {
		// A label that names a value (the consent's organisation) is
		// not one a summary can say without it: the message alone then.
		if l := f.t(id); l != id && !strings.Contains(l, "<no value>") {
			if row >= 0 && id == ids[len(ids)-1] {
				return fmt.Sprintf("%s %d", l, row+1)
			}
			return l
		}
	}
	return ""
}
