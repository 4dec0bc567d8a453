package hsds

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/partnerdir/partnerdir/internal/fault"
)

// SchemaJSON is the JSON Schema (draft 2020-12) of exactly the records we
// emit: field names, types and required fields as HSDS 3.0 has them,
// closed to other fields, bounded as our columns are. Decode checks every
// record against it; tests check every exported record too.
//
//go:embed organization.schema.json
var SchemaJSON []byte

// Schema is a compiled JSON Schema that checks records.
type Schema struct{ s *jsonschema.Schema }

// CompileSchema compiles the JSON Schema doc, known as url, asserting
// formats (uuid, email, uri): HSDS's own schemas only annotate them, and a
// record that is not a UUID where HSDS says one is is not conformant. It
// reads nothing but doc: a schema that refers to another document fails.
func CompileSchema(url string, doc []byte) (*Schema, error) {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("hsds: schema %s: %w", url, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(url, v); err != nil {
		return nil, fmt.Errorf("hsds: schema %s: %w", url, err)
	}
	s, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("hsds: schema %s: %w", url, err)
	}
	return &Schema{s: s}, nil
}

// OwnSchema returns SchemaJSON compiled, once: it never changes, and
// compiling it for every record would cost more than checking one.
var OwnSchema = sync.OnceValues(func() (*Schema, error) {
	return CompileSchema("organization.schema.json", SchemaJSON)
})

// maxFields bounds how many refused fields one error names: a record wrong
// everywhere needs no thousand lines to be refused.
const maxFields = 20

// Validate checks the JSON document data against s. It returns nil, or a
// fault.Invalid error naming each refused field ("locations[0].name") with
// a message id (hsds.err.*).
func (s *Schema) Validate(data []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fault.InvalidField("record", "hsds.err.json")
	}
	return s.validate(v)
}

func (s *Schema) validate(v any) error {
	err := s.s.Validate(v)
	var ve *jsonschema.ValidationError
	if err == nil {
		return nil
	}
	if !errors.As(err, &ve) {
		return fmt.Errorf("hsds: validate: %w", err)
	}
	var fields fault.Fields
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(fields) >= maxFields {
			return
		}
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		at := e.InstanceLocation
		switch k := e.ErrorKind.(type) {
		case *kind.Required:
			for _, m := range k.Missing {
				fields.Add(fieldName(append(at[:len(at):len(at)], m)), "hsds.err.required")
			}
		case *kind.AdditionalProperties:
			for _, p := range k.Properties {
				fields.Add(fieldName(append(at[:len(at):len(at)], p)), "hsds.err.unknown_field")
			}
		default:
			fields.Add(fieldName(at), messageOf(e.ErrorKind))
		}
	}
	walk(ve)
	if len(fields) == 0 { // a refusal with no leaf: name the record
		fields.Add("record", "hsds.err.invalid")
	}
	return fields.Err()
}

// messageOf names the message of one refusal of the schema.
func messageOf(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Type:
		return "hsds.err.type"
	case *kind.MaxLength:
		return "hsds.err.too_long"
	case *kind.MinLength:
		return "hsds.err.empty"
	case *kind.Pattern:
		return "hsds.err.pattern"
	case *kind.Enum, *kind.Const:
		return "hsds.err.enum"
	case *kind.MaxItems:
		return "hsds.err.too_many"
	case *kind.Minimum, *kind.Maximum, *kind.ExclusiveMinimum, *kind.ExclusiveMaximum:
		return "hsds.err.range"
	case *kind.Format:
		switch k.Want {
		case "uuid":
			return "hsds.err.uuid"
		case "email":
			return "hsds.err.email"
		case "uri":
			return "hsds.err.uri"
		}
		return "hsds.err.format"
	}
	return "hsds.err.invalid"
}

// fieldName writes a JSON location as a field: ["locations","0","name"] is
// "locations[0].name"; the document itself is "record".
func fieldName(at []string) string {
	var b strings.Builder
	for _, p := range at {
		if _, err := strconv.Atoi(p); err == nil {
			b.WriteString("[" + p + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	if b.Len() == 0 {
		return "record"
	}
	return b.String()
}
