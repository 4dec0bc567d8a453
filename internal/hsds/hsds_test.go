package hsds_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/partnerdir/partnerdir/internal/demo/demotest"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/hsds"
)

// officialSchema returns the official HSDS 3.0 compiled organization
// schema when it is at hand: $HSDS_SCHEMA_DIR/compiled/organization.json,
// or ../shared/hsds-3.0/compiled/organization.json beside the repository
// (a newcomer's clone has no such folder; CI has). Its absence is logged,
// never a failure: our own schema is checked everywhere.
func officialSchema(t *testing.T) *hsds.Schema {
	t.Helper()
	var candidates []string
	if dir := os.Getenv("HSDS_SCHEMA_DIR"); dir != "" {
		candidates = append(candidates, filepath.Join(dir, "compiled", "organization.json"))
	}
	// The test runs in internal/hsds: the repository root is two up.
	candidates = append(candidates, filepath.Join("..", "..", "..", "shared", "hsds-3.0", "compiled", "organization.json"))
	for _, path := range candidates {
		doc, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		s, err := hsds.CompileSchema("https://raw.githubusercontent.com/openreferral/specification/3.0/schema/compiled/organization.json", doc)
		if err != nil {
			t.Fatalf("the official schema %s: %v", path, err)
		}
		return s
	}
	t.Logf("official HSDS schema not found (%s): checking against our own schema only", strings.Join(candidates, ", "))
	return nil
}

func ownSchema(t *testing.T) *hsds.Schema {
	t.Helper()
	s, err := hsds.OwnSchema()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// conforms fails t unless the record validates against our schema and, when
// present, the official one.
func conforms(t *testing.T, what string, o hsds.Organization, official *hsds.Schema) []byte {
	t.Helper()
	data, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := ownSchema(t).Validate(data); err != nil {
		t.Errorf("%s does not match our schema: %v", what, err)
	}
	if official != nil {
		if err := official.Validate(data); err != nil {
			t.Errorf("%s does not match the official HSDS 3.0 schema: %v", what, err)
		}
	}
	return data
}

func ptr[T any](v T) *T { return &v }

// fullProfile fills every field we map, with Unicode, private people and
// contacts, and a second office with empty optional lists.
func fullProfile() *directory.Profile {
	return &directory.Profile{
		Organisation: directory.Organisation{
			ID: 42, Slug: "ecole-du-fleuve", Name: "École du Fleuve — مدرسة النهر", AlternateName: "EDF",
			Kind: directory.KindNational, Description: directory.Localized{FR: "Écoles « de la deuxième chance » à Ségou.", EN: "Second-chance schools in Ségou."},
			Mission: directory.Localized{FR: "Que chaque enfant lise.", EN: "Every child reads."}, FoundedYear: 1998,
			Website: "https://ecole-du-fleuve.example/", Email: "contact@ecole-du-fleuve.example", Phone: "+223 20 22 33 44",
			NewsletterURL: "https://ecole-du-fleuve.example/lettre", Status: directory.StatusPublished,
			Themes:      []directory.Theme{{Slug: "education", NameFR: "Éducation", NameEN: "Education"}, {Slug: "child-protection", NameEN: "Child protection"}},
			Countries:   []string{"ML", "SN"},
			Identifiers: []directory.Identifier{{Scheme: "ML-RCCM", Value: "MA.BKO.2001.B.1234"}},
			SocialLinks: []directory.SocialLink{{Network: "facebook", URL: "https://facebook.com/edf"}, {Network: "x", URL: "https://x.com/edf"}},
		},
		Offices: []directory.Office{
			{ID: 7, Name: "Siège — Ségou", Kind: directory.OfficeHeadquarters, Address: "Rue 12, porte 5", PostalCode: "BP 10",
				City: "Ségou", Country: "ML", Latitude: ptr(13.4317), Longitude: ptr(-6.2157), OpenedYear: 1998,
				Email: "segou@ecole-du-fleuve.example", Phone: "+223 21 32 00 00", Covers: []string{"ML", "BF"}},
			{ID: 9, Name: "Antenne Dakar", Kind: directory.OfficeCountry, City: "Dakar", Country: "SN"},
		},
		Members: []directory.Member{
			{ID: 1, OfficeID: 7, FullName: "Aïssata Traoré", RoleTitle: "Directrice", Bio: "Institutrice depuis 1990.", JoinedYear: 1998,
				Email: "aissata@ecole-du-fleuve.example", Responsibilities: "Pédagogie", Public: true},
			{ID: 2, OfficeID: 0, FullName: "Jean Private", RoleTitle: "Trésorier", Email: "jean@ecole-du-fleuve.example", Public: false, Position: 1},
		},
		Contacts: []directory.ContactPoint{
			{ID: 3, Name: "Accueil", Email: "accueil@ecole-du-fleuve.example", RoleCode: 1, Public: true, Default: true},
			{ID: 4, Name: "Finances", Email: "finances@ecole-du-fleuve.example", RoleCode: 3, OfficeID: 7, Public: false},
		},
	}
}

func TestOwnSchemaCompiles(t *testing.T) {
	t.Parallel()
	ownSchema(t)
}

// TestDemoRecordsConform: every published demo organisation's record, as
// the export writes it, matches our schema and the official one.
func TestDemoRecordsConform(t *testing.T) {
	t.Parallel()
	_, store := demotest.Load(t)
	official := officialSchema(t)
	n := 0
	err := store.EachProfile(context.Background(), 2, func(p *directory.Profile) error {
		n++
		conforms(t, p.Slug, hsds.Encode(p), official)
		conforms(t, p.Slug+" (owner's)", hsds.EncodeFull(p), official)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 3 {
		t.Fatalf("only %d published demo organisations exported", n)
	}
}

// TestECPATRecord: ECPAT Luxembourg's record names its offices, its team
// with their roles, with repeatable ids; its default contact point is
// private, so the public record does not show it.
func TestECPATRecord(t *testing.T) {
	t.Parallel()
	_, store := demotest.Load(t)
	var ecpat *directory.Profile
	if err := store.EachProfile(context.Background(), 100, func(p *directory.Profile) error {
		if p.Slug == "ecpat-luxembourg" {
			ecpat = p
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if ecpat == nil {
		t.Fatal("ECPAT Luxembourg not exported")
	}
	o := hsds.Encode(ecpat)
	if o.ID != hsds.OrganizationID(ecpat.ID) || o.Name != "ECPAT Luxembourg" {
		t.Errorf("id %s name %q", o.ID, o.Name)
	}
	data, _ := json.Marshal(o)
	for _, want := range []string{"Luxembourg", "Bamako", "Fabienne", "Boubacar", "Halimatou", "Représentante légale et coordinatrice de projets", "Gestion de projets"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the record lacks %q", want)
		}
	}
	if strings.Contains(string(data), "c.wantz@ecpat.lu") {
		t.Error("the public record shows the private contact point c.wantz@ecpat.lu")
	}
	if again, _ := json.Marshal(hsds.Encode(ecpat)); string(again) != string(data) {
		t.Error("two encodings of the same profile differ")
	}
}

// TestFullRecordConformsAndRoundTrips: a profile with every field filled,
// Unicode and an office with empty lists conforms; decoding its record
// and encoding again gives the same record, owner's download included.
func TestFullRecordConformsAndRoundTrips(t *testing.T) {
	t.Parallel()
	official := officialSchema(t)
	p := fullProfile()
	for name, enc := range map[string]func(*directory.Profile) hsds.Organization{"public": hsds.Encode, "owner's": hsds.EncodeFull} {
		data := conforms(t, name, enc(p), official)
		back, err := hsds.Decode(data)
		if err != nil {
			t.Fatalf("%s: decode: %v", name, err)
		}
		if back.UUID != hsds.OrganizationID(42) {
			t.Errorf("%s: decoded UUID %q, want the record's id", name, back.UUID)
		}
		// What an import stores has no database id: the record's id
		// travels in UUID, and offices are numbered in the record's order.
		again, _ := json.Marshal(enc(back))
		if string(again) != string(data) {
			t.Errorf("%s: export → decode → export differs:\n%s\n%s", name, data, again)
		}
	}
}

// TestPublicRecordHidesPrivateParts: the public record has no private
// member or contact point, no member's address or responsibilities; the
// owner's has them, marked private.
func TestPublicRecordHidesPrivateParts(t *testing.T) {
	t.Parallel()
	p := fullProfile()
	pub, _ := json.Marshal(hsds.Encode(p))
	for _, secret := range []string{"Jean Private", "finances@", "aissata@", "Pédagogie", `"private"`} {
		if strings.Contains(string(pub), secret) {
			t.Errorf("the public record shows %q", secret)
		}
	}
	full := hsds.EncodeFull(p)
	back, err := hsds.Decode(mustJSON(t, full))
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Members) != 2 || back.Members[1].FullName != "Jean Private" || back.Members[1].Public || !back.Members[0].Public ||
		back.Members[0].Email != "aissata@ecole-du-fleuve.example" || back.Members[0].Responsibilities != "Pédagogie" {
		t.Errorf("owner's members: %+v", back.Members)
	}
	if len(back.Contacts) != 2 || back.Contacts[1].Public || !back.Contacts[0].Default || back.Contacts[1].RoleCode != 3 || back.Contacts[1].OfficeID != 1 {
		t.Errorf("owner's contacts: %+v", back.Contacts)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDecodeReadsEveryField: what a record says lands in the profile an
// import stores.
func TestDecodeReadsEveryField(t *testing.T) {
	t.Parallel()
	back, err := hsds.Decode(mustJSON(t, hsds.EncodeFull(fullProfile())))
	if err != nil {
		t.Fatal(err)
	}
	want := fullProfile()
	o := back.Organisation
	if o.Slug != want.Slug || o.Name != want.Name || o.Kind != want.Kind || o.Description != want.Description || o.Mission != want.Mission ||
		o.FoundedYear != 1998 || o.Website != want.Website || o.Email != want.Email || o.Phone != want.Phone || o.NewsletterURL != want.NewsletterURL ||
		!reflect.DeepEqual(o.Countries, want.Countries) || !reflect.DeepEqual(o.Identifiers, want.Identifiers) || !reflect.DeepEqual(o.SocialLinks, want.SocialLinks) {
		t.Errorf("organisation: %+v", o)
	}
	if len(o.Themes) != 2 || o.Themes[0].Slug != "education" || o.Themes[0].NameEN != "Education" {
		t.Errorf("themes: %+v", o.Themes)
	}
	f := back.Offices[0]
	if len(back.Offices) != 2 || f.ID != 1 || f.Name != "Siège — Ségou" || f.Kind != directory.OfficeHeadquarters || f.Address != "Rue 12, porte 5" ||
		f.PostalCode != "BP 10" || f.City != "Ségou" || f.Country != "ML" || *f.Latitude != 13.4317 || *f.Longitude != -6.2157 ||
		f.OpenedYear != 1998 || f.Email != want.Offices[0].Email || f.Phone != want.Offices[0].Phone || !reflect.DeepEqual(f.Covers, []string{"ML", "BF"}) {
		t.Errorf("office: %+v", f)
	}
	if back.Offices[1].Kind != directory.OfficeCountry || back.Offices[1].Latitude != nil {
		t.Errorf("second office: %+v", back.Offices[1])
	}
	m := back.Members[0]
	if m.OfficeID != 1 || m.RoleTitle != "Directrice" || m.Bio != want.Members[0].Bio || m.JoinedYear != 1998 {
		t.Errorf("member: %+v", m)
	}
}

// TestDecodeRefusesBadRecords: a record that fails the schema, or names
// what we do not know, is refused with the field named.
func TestDecodeRefusesBadRecords(t *testing.T) {
	t.Parallel()
	good := func() map[string]any {
		var m map[string]any
		if err := json.Unmarshal(mustJSON(t, hsds.Encode(fullProfile())), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	location := func(m map[string]any) map[string]any { return m["locations"].([]any)[0].(map[string]any) }
	cases := []struct {
		name   string
		change func(m map[string]any)
		field  string
		msg    string
	}{
		{"missing name", func(m map[string]any) { delete(m, "name") }, "name", "hsds.err.required"},
		{"blank name", func(m map[string]any) { m["name"] = "   " }, "name", "hsds.err.pattern"},
		{"bad uuid", func(m map[string]any) { m["id"] = "not-a-uuid" }, "id", "hsds.err.uuid"},
		{"name a number", func(m map[string]any) { m["name"] = 12 }, "name", "hsds.err.type"},
		{"year a string", func(m map[string]any) { m["year_incorporated"] = "1998" }, "year_incorporated", "hsds.err.type"},
		{"locations an object", func(m map[string]any) { m["locations"] = map[string]any{} }, "locations", "hsds.err.type"},
		{"a 10 MB description", func(m map[string]any) { m["description"] = strings.Repeat("é", 5<<20) }, "description", "hsds.err.too_long"},
		{"unknown field", func(m map[string]any) { m["services"] = []any{} }, "services", "hsds.err.unknown_field"},
		{"bad email", func(m map[string]any) { m["email"] = "nobody" }, "email", "hsds.err.email"},
		{"bad country", func(m map[string]any) {
			location(m)["addresses"].([]any)[0].(map[string]any)["country"] = "Mali"
		}, "locations[0].addresses[0].country", "hsds.err.pattern"},
		{"unknown country code", func(m map[string]any) {
			location(m)["addresses"].([]any)[0].(map[string]any)["country"] = "QQ"
		}, "locations[0].addresses[0].country", "hsds.err.country"},
		{"missing city", func(m map[string]any) {
			delete(location(m)["addresses"].([]any)[0].(map[string]any), "city")
		}, "locations[0].addresses[0].city", "hsds.err.required"},
		{"latitude out of range", func(m map[string]any) { location(m)["latitude"] = 91.5 }, "locations[0].latitude", "hsds.err.range"},
		{"attribute of a foreign taxonomy", func(m map[string]any) {
			m["attributes"].([]any)[1].(map[string]any)["taxonomy_term"].(map[string]any)["taxonomy"] = "openeligibility"
		}, "attributes[1].taxonomy_term.taxonomy", "hsds.err.pattern"},
		{"unknown kind", func(m map[string]any) {
			m["attributes"].([]any)[1].(map[string]any)["taxonomy_term"].(map[string]any)["code"] = "99"
		}, "attributes[1].taxonomy_term.code", "hsds.err.unknown_term"},
		{"attribute of another record", func(m map[string]any) {
			m["attributes"].([]any)[0].(map[string]any)["link_id"] = "00000000-0000-4000-8000-000000000000"
		}, "attributes[0].link_id", "hsds.err.link"},
		{"contact at an unknown location", func(m map[string]any) {
			m["contacts"].([]any)[0].(map[string]any)["location_id"] = "00000000-0000-4000-8000-000000000000"
		}, "contacts[0].location_id", "hsds.err.link"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m := good()
			c.change(m)
			_, err := hsds.Decode(mustJSON(t, m))
			if !errors.Is(err, fault.ErrInvalid) {
				t.Fatalf("got %v, want an invalid-input error", err)
			}
			if got := fault.FieldsOf(err)[c.field]; got != c.msg {
				t.Errorf("field %s: %q, want %q (all: %v)", c.field, got, c.msg, fault.FieldsOf(err))
			}
		})
	}
	for name, data := range map[string]string{"not JSON": "{", "an array": "[]", "two values": `{} {}`} {
		if _, err := hsds.Decode([]byte(data)); !errors.Is(err, fault.ErrInvalid) || len(fault.FieldsOf(err)) == 0 {
			t.Errorf("%s: %v, want a refusal naming a field", name, err)
		}
	}
	if _, err := hsds.Decode(make([]byte, hsds.MaxRecordBytes+1)); fault.FieldsOf(err)["record"] != "hsds.err.too_large" {
		t.Errorf("an oversized record: %v", err)
	}
}

// TestDerivedIDsMatchPostgreSQL: the id the database looks an organisation
// up by (migration 00019's index) is the one Go exports.
func TestDerivedIDsMatchPostgreSQL(t *testing.T) {
	t.Parallel()
	pool, store := demotest.Load(t)
	ps, err := store.PublishedProfiles(context.Background(), 0, 10, false)
	if err != nil || len(ps) == 0 {
		t.Fatalf("%d profiles, %v", len(ps), err)
	}
	for _, p := range ps {
		got, err := store.ProfileByHSDSID(context.Background(), hsds.ID(&p.Organisation))
		if err != nil || got.ID != p.ID {
			t.Errorf("%s by its HSDS id %s: %v", p.Slug, hsds.ID(&p.Organisation), err)
		}
	}
	// A stored id wins over the derived one.
	const stored = "5b0d2d3e-8f59-4b1e-9d55-2f7d8f0e1a77"
	if _, err := pool.Exec(context.Background(), `UPDATE organisations SET uuid = $1 WHERE id = $2`, stored, ps[0].ID); err != nil {
		t.Fatal(err)
	}
	if got, err := store.ProfileByHSDSID(context.Background(), stored); err != nil || got.UUID != stored || hsds.ID(&got.Organisation) != stored {
		t.Errorf("by its stored id: %v %+v", err, got)
	}
	if _, err := store.ProfileByHSDSID(context.Background(), hsds.OrganizationID(ps[0].ID)); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("the derived id still finds an organisation with a stored one: %v", err)
	}
}
