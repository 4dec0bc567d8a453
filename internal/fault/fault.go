// Package fault is Partnerdir's one error vocabulary: the kinds of failure
// a domain package reports (not found, conflict, invalid input with a
// message per field, forbidden, unauthorized, rate limited, unavailable)
// and the message id that tells the user what happened. Domain packages
// return these; the HTTP edge turns a kind into a status and a message id
// into a sentence, in one place. The package does no I/O and imports only
// the standard library, so every package may use it.
package fault

import (
	"errors"
	"sort"
	"strings"
	"time"
)

// Kind is what went wrong, as the caller needs to know it: it decides the
// HTTP status, never the wording.
type Kind int

// The kinds. The zero Kind, Internal, is any error that is not a fault:
// unexpected, logged, shown as "something went wrong".
const (
	Internal     Kind = iota
	NotFound          // no record matches, or the caller may not see it
	Conflict          // the record changed meanwhile, a unique value is taken, or the state forbids the change
	Invalid           // the input is wrong; Fields says where
	Forbidden         // the caller is known but may not do this
	Unauthorized      // the credentials are wrong
	RateLimited       // too many attempts; try again later
	Unavailable       // a dependency is down; try again later
)

var kindNames = [...]string{
	Internal:     "internal error",
	NotFound:     "not found",
	Conflict:     "conflict",
	Invalid:      "invalid input",
	Forbidden:    "forbidden",
	Unauthorized: "unauthorized",
	RateLimited:  "rate limited",
	Unavailable:  "unavailable",
}

// String names the kind in lower case ("not found").
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "unknown kind"
	}
	return kindNames[k]
}

// Error is a failure of a known kind. ID is the message id shown to the
// user ("claim.has_owner"), Fields the message id per form field (an
// Invalid error's problems, or the field a Conflict is about), Err the
// cause, if any.
type Error struct {
	Kind   Kind
	ID     string
	Fields map[string]string
	// Value is the refused input, for a message that names it ("unknown
	// country code XX"); the message reads it as {{.Value}}.
	Value string
	Err   error
	// RetryAfter is, for a refusal that asks to come back (rate limited,
	// unavailable), how long until trying again makes sense; 0 when
	// unknown. See Later.
	RetryAfter time.Duration
}

// Error describes e for logs: the kind, the message id and the fields in
// order, then the cause.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.String())
	if e.ID != "" {
		b.WriteString(" (" + e.ID + ")")
	}
	if len(e.Fields) > 0 {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for i, k := range keys {
			sep := "; "
			if i == 0 {
				sep = ": "
			}
			b.WriteString(sep + k + ": " + e.Fields[k])
		}
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is the sentinel of e's kind (ErrNotFound for
// a NotFound error, …): errors.Is(err, ErrConflict) holds for every
// conflict. A domain sentinel such as joining.ErrHasOwner matches only
// itself, as any error value does.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && t.ID == "" && t.Fields == nil && t.Value == "" && t.Err == nil && t.RetryAfter == 0
}

// The kinds as sentinels, for errors.Is and for returning as they are.
var (
	// ErrNotFound is the NotFound kind.
	ErrNotFound = &Error{Kind: NotFound}

	// ErrConflict is the Conflict kind.
	ErrConflict = &Error{Kind: Conflict}

	// ErrInvalid is the Invalid kind; an Invalid error usually comes from
	// Fields.Err or InvalidField and says which fields are wrong.
	ErrInvalid = &Error{Kind: Invalid}

	// ErrForbidden is the Forbidden kind.
	ErrForbidden = &Error{Kind: Forbidden}

	// ErrUnauthorized is the Unauthorized kind.
	ErrUnauthorized = &Error{Kind: Unauthorized}

	// ErrRateLimited is the RateLimited kind.
	ErrRateLimited = &Error{Kind: RateLimited}

	// ErrUnavailable is the Unavailable kind.
	ErrUnavailable = &Error{Kind: Unavailable}
)

// New returns an error of kind with the message id id, for a domain
// sentinel: ErrHasOwner = fault.New(fault.Conflict, "claim.has_owner").
func New(kind Kind, id string) *Error { return &Error{Kind: kind, ID: id} }

// Wrap returns an error of kind whose cause is err, keeping err's message
// id when it has one; Wrap of nil is nil.
func Wrap(kind Kind, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: kind, ID: Message(err), Err: err}
}

// InvalidField returns an Invalid error for one field.
func InvalidField(field, id string) error {
	return &Error{Kind: Invalid, Fields: map[string]string{field: id}}
}

// InvalidValue returns an Invalid error for one field that names the
// refused value.
func InvalidValue(field, id, value string) error {
	return &Error{Kind: Invalid, Fields: map[string]string{field: id}, Value: value}
}

// ValueOf returns the refused value of the first *Error in err's chain
// that names one, or "".
func ValueOf(err error) string {
	return first(err, func(e *Error) string { return e.Value })
}

// Fields collects the problems with a form's input, field → message id.
// The zero value is ready to use.
type Fields map[string]string

// Add records a problem with field; the first message for a field wins.
func (f *Fields) Add(field, id string) {
	if *f == nil {
		*f = Fields{}
	}
	if _, ok := (*f)[field]; !ok {
		(*f)[field] = id
	}
}

// Merge adds every field of err, when err is Invalid, prefixing the field
// names with prefix; it reports whether err was Invalid (a nil err is not).
func (f *Fields) Merge(prefix string, err error) bool {
	var e *Error
	if !errors.As(err, &e) || e.Kind != Invalid {
		return false
	}
	for field, id := range e.Fields {
		f.Add(prefix+field, id)
	}
	return true
}

// Err returns an Invalid error holding the fields, or nil when there are
// none.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Fields: f}
}

// KindOf returns the kind of the first *Error in err's chain, or Internal
// when there is none (or err is nil).
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Message returns the message id of the first *Error in err's chain that
// has one, or "".
func Message(err error) string {
	return first(err, func(e *Error) string { return e.ID })
}

// first returns the first non-empty part of an *Error along err's chain
// (a wrapping error may add a kind without a message of its own).
func first(err error, part func(*Error) string) string {
	for err != nil {
		if e, ok := err.(*Error); ok {
			if v := part(e); v != "" {
				return v
			}
		}
		err = errors.Unwrap(err)
	}
	return ""
}

// FieldsOf returns the field → message id map of the first *Error in
// err's chain (an Invalid error's problems, or the field a Conflict is
// about), or nil.
func FieldsOf(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Later returns err (a RateLimited or Unavailable error) with when to try
// again: an error of err's kind, its message id and cause err, so
// errors.Is still finds err's sentinel. Later of nil is nil.
func Later(err error, after time.Duration) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: KindOf(err), Err: err, RetryAfter: after}
}

// RetryAfterOf returns the first RetryAfter along err's chain, or 0.
func RetryAfterOf(err error) time.Duration {
	for err != nil {
		if e, ok := err.(*Error); ok && e.RetryAfter > 0 {
			return e.RetryAfter
		}
		err = errors.Unwrap(err)
	}
	return 0
}
