package fault_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/partnerdir/partnerdir/internal/fault"
)

var errHasOwner = fault.New(fault.Conflict, "claim.has_owner")

func TestIs(t *testing.T) {
	wrapped := fmt.Errorf("joining: claim 7: %w", errHasOwner)
	tests := []struct {
		name   string
		err    error
		target error
		want   bool
	}{
		{"a sentinel matches its kind", wrapped, fault.ErrConflict, true},
		{"a sentinel matches itself", wrapped, errHasOwner, true},
		{"another error with the same id", fault.New(fault.Conflict, "claim.has_owner"), errHasOwner, false},
		{"same kind, other id", fault.New(fault.Conflict, "claim.pending"), errHasOwner, false},
		{"the kind does not match a sentinel", fault.ErrConflict, errHasOwner, false},
		{"other kind", wrapped, fault.ErrNotFound, false},
		{"invalid matches ErrInvalid", fault.InvalidField("email", "manage.err.required"), fault.ErrInvalid, true},
		{"a plain error is no kind", errors.New("boom"), fault.ErrNotFound, false},
		{"a wrapped cause is still found", fault.Wrap(fault.Unavailable, errHasOwner), errHasOwner, true},
	}
	for _, tt := range tests {
		if got := errors.Is(tt.err, tt.target); got != tt.want {
			t.Errorf("%s: errors.Is(%v, %v) = %v, want %v", tt.name, tt.err, tt.target, got, tt.want)
		}
	}
}

func TestKindOfAndMessage(t *testing.T) {
	tests := []struct {
		err  error
		kind fault.Kind
		id   string
	}{
		{nil, fault.Internal, ""},
		{errors.New("boom"), fault.Internal, ""},
		{fmt.Errorf("directory: office 3: %w", fault.ErrNotFound), fault.NotFound, ""},
		{fmt.Errorf("op: %w", errHasOwner), fault.Conflict, "claim.has_owner"},
		{fault.Wrap(fault.Unavailable, errors.New("dial tcp")), fault.Unavailable, ""},
		{fault.Wrap(fault.Forbidden, errHasOwner), fault.Forbidden, "claim.has_owner"},
	}
	for _, tt := range tests {
		if got := fault.KindOf(tt.err); got != tt.kind {
			t.Errorf("KindOf(%v) = %v, want %v", tt.err, got, tt.kind)
		}
		if got := fault.Message(tt.err); got != tt.id {
			t.Errorf("Message(%v) = %q, want %q", tt.err, got, tt.id)
		}
	}
	if fault.Wrap(fault.NotFound, nil) != nil {
		t.Error("Wrap(nil) is not nil")
	}
}

func TestFields(t *testing.T) {
	var f fault.Fields
	if f.Err() != nil {
		t.Fatal("no fields, yet an error")
	}
	f.Add("email", "manage.err.required")
	f.Add("email", "manage.err.too_long") // the first message wins
	if !f.Merge("office.", fault.InvalidField("kind", "manage.err.choose_a_kind_of_office")) {
		t.Error("Merge of an Invalid error says it was not")
	}
	if f.Merge("x.", fault.ErrConflict) || f.Merge("x.", nil) {
		t.Error("Merge of a non-Invalid error says it was")
	}
	err := fmt.Errorf("directory: create: %w", f.Err())
	if fault.KindOf(err) != fault.Invalid {
		t.Fatalf("KindOf = %v, want invalid", fault.KindOf(err))
	}
	got := fault.FieldsOf(err)
	want := map[string]string{"email": "manage.err.required", "office.kind": "manage.err.choose_a_kind_of_office"}
	if len(got) != len(want) || got["email"] != want["email"] || got["office.kind"] != want["office.kind"] {
		t.Errorf("FieldsOf = %v, want %v", got, want)
	}
	if fault.FieldsOf(fault.ErrNotFound) != nil {
		t.Error("FieldsOf a NotFound error is not nil")
	}
	if s := err.Error(); s != "directory: create: invalid input: email: manage.err.required; office.kind: manage.err.choose_a_kind_of_office" {
		t.Errorf("Error() = %q", s)
	}
}

func TestErrorText(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{fault.ErrNotFound, "not found"},
		{errHasOwner, "conflict (claim.has_owner)"},
		{fault.Wrap(fault.Unavailable, errors.New("dial tcp")), "unavailable: dial tcp"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestInvalidValueNamesTheRefusedInput(t *testing.T) {
	err := fmt.Errorf("list: %w", fault.InvalidValue("country", "param.err.unknown_country", "XX"))
	if !errors.Is(err, fault.ErrInvalid) || fault.FieldsOf(err)["country"] != "param.err.unknown_country" || fault.ValueOf(err) != "XX" {
		t.Errorf("fault.InvalidValue: kind %v, fields %v, value %q", fault.KindOf(err), fault.FieldsOf(err), fault.ValueOf(err))
	}
	if fault.ValueOf(fault.InvalidField("country", "x")) != "" || fault.ValueOf(nil) != "" {
		t.Error("a value where none was given")
	}
}

func TestLaterCarriesWhenToTryAgain(t *testing.T) {
	limited := fault.New(fault.RateLimited, "auth.login.limited")
	err := fmt.Errorf("accounts: login: %w", fault.Later(limited, 90*time.Second))
	if !errors.Is(err, limited) || !errors.Is(err, fault.ErrRateLimited) || fault.KindOf(err) != fault.RateLimited ||
		fault.Message(err) != "auth.login.limited" || fault.RetryAfterOf(err) != 90*time.Second {
		t.Errorf("Later: is %v, kind %v, message %q, retry after %v", errors.Is(err, limited), fault.KindOf(err),
			fault.Message(err), fault.RetryAfterOf(err))
	}
	if fault.RetryAfterOf(limited) != 0 || fault.RetryAfterOf(nil) != 0 || fault.Later(nil, time.Second) != nil {
		t.Error("a retry delay where none was given")
	}
}
