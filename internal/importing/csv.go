package importing

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/partnerdir/partnerdir/internal/directory"
)

// The CSV format: one organisation per row with its headquarters and its
// default contact, under a header row of known column names (README.md,
// "Bulk import"; testdata/import/organisations.csv). Multi-valued cells
// (themes, countries, identifiers) separate their values with ";".

// Bounds of a CSV file. A cell past MaxCellBytes is cut while it is read
// (its row is refused), so a 10 MB cell costs MaxCellBytes of memory, and
// reading stops at MaxFileBytes.
const (
	MaxFileBytes = 32 << 20
	MaxCellBytes = 10 << 10
	MaxRows      = 100_000
)

// RequiredColumns must be in every file's header.
var RequiredColumns = []string{"name", "kind"}

// Columns are every column a file may have, in the order of the README.
var Columns = []string{
	"slug", "name", "alternate_name", "kind", "website", "email", "phone", "founded_year",
	"description_fr", "description_en", "mission_fr", "mission_en", "newsletter_url",
	"themes", "countries", "identifiers",
	"facebook", "x", "linkedin", "scoopit", "instagram", "youtube",
	"hq_name", "hq_address", "hq_postal_code", "hq_city", "hq_country", "hq_latitude", "hq_longitude",
	"hq_email", "hq_phone", "hq_opened_year",
	"contact_name", "contact_email",
}

// FileError refuses a whole file: no header, an unknown, repeated or
// missing column, a file past its bounds. Message is a message id; Field
// the column concerned, if any.
type FileError struct {
	Line    int
	Field   string
	Message string
	Value   string
}

func (e *FileError) Error() string {
	return fmt.Sprintf("importing: file refused at line %d: %s %s %s", e.Line, e.Field, e.Message, e.Value)
}

// ParseCSV reads the header of a CSV file from r and returns its rows as
// items, each numbered by the line it starts on. A file refused as a whole
// is a *FileError (from ParseCSV for its header; as the last item's
// refusal, with no field, when the file is too long). A row the format
// refuses (bad encoding, a quote left open, a cell too long, a value that
// is not a number…) is an item with its Problems; the rows after it go on.
func ParseCSV(r io.Reader) (iter.Seq[Item], error) {
	lim := &limitReader{r: bufio.NewReaderSize(io.LimitReader(r, MaxFileBytes+1), 64<<10), line: 1, cellLine: 1, cut: map[int]bool{}, start: true}
	cr := csv.NewReader(lim)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err != nil {
		return nil, headerError(err, lim)
	}
	index := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		switch {
		case !utf8.ValidString(h):
			return nil, &FileError{Line: 1, Message: "import.err.not_utf8"}
		case h == "":
			return nil, &FileError{Line: 1, Value: strconv.Itoa(i + 1), Message: "import.err.empty_column"}
		case !slices.Contains(Columns, h):
			return nil, &FileError{Line: 1, Field: h, Message: "import.err.unknown_column", Value: h}
		}
		if _, ok := index[h]; ok {
			return nil, &FileError{Line: 1, Field: h, Message: "import.err.repeated_column", Value: h}
		}
		index[h] = i
	}
	for _, c := range RequiredColumns {
		if _, ok := index[c]; !ok {
			return nil, &FileError{Line: 1, Field: c, Message: "import.err.missing_column", Value: c}
		}
	}
	f := &csvFile{index: index, header: header, keep: keptFields(index)}
	return func(yield func(Item) bool) {
		for rows := 0; ; rows++ {
			rec, err := cr.Read()
			if errors.Is(err, io.EOF) {
				return
			}
			var pe *csv.ParseError
			switch {
			case lim.tooLong:
				yield(Refused(lim.line, "", "import.err.file_too_long", strconv.Itoa(MaxFileBytes)))
				return
			case errors.As(err, &pe):
				msg := "import.err.quote"
				if errors.Is(pe.Err, csv.ErrBareQuote) {
					msg = "import.err.bare_quote"
				}
				if !yield(Refused(pe.StartLine, "", msg, "")) {
					return
				}
				continue
			case err != nil:
				yield(Refused(lim.line, "", "import.err.unreadable", ""))
				return
			}
			// FieldPos panics after an error: only a record has positions.
			line, _ := cr.FieldPos(0)
			if rows >= MaxRows {
				yield(Refused(line, "", "import.err.too_many_rows", strconv.Itoa(MaxRows)))
				return
			}
			if !yield(f.item(cr, lim, line, rec)) {
				return
			}
		}
	}, nil
}

func headerError(err error, lim *limitReader) error {
	var pe *csv.ParseError
	switch {
	case errors.Is(err, io.EOF):
		return &FileError{Line: 1, Message: "import.err.no_header"}
	case lim.tooLong:
		return &FileError{Line: lim.line, Message: "import.err.file_too_long", Value: strconv.Itoa(MaxFileBytes)}
	case errors.As(err, &pe):
		return &FileError{Line: pe.StartLine, Message: "import.err.quote"}
	}
	return &FileError{Line: lim.line, Message: "import.err.unreadable"}
}

// keptFields are the organisation's fields no column of the header
// carries: an update keeps them as stored.
func keptFields(index map[string]int) []string {
	var keep []string
	for _, f := range directory.ImportFields {
		if f == "social_links" {
			continue
		}
		if _, ok := index[f]; !ok {
			keep = append(keep, f)
		}
	}
	for _, n := range directory.SocialNetworks {
		if _, ok := index[n]; !ok {
			keep = append(keep, "social_"+n)
		}
	}
	return keep
}

type csvFile struct {
	index  map[string]int
	header []string
	keep   []string
}

// csvColumn names a directory field by the file's column.
func csvColumn(field string) string {
	switch {
	case strings.HasPrefix(field, "offices[0]."):
		return "hq_" + strings.TrimPrefix(field, "offices[0].")
	case field == "contacts" || field == "contacts[0].email":
		return "contact_email"
	case strings.HasPrefix(field, "contacts[0]."):
		return "contact_" + strings.TrimPrefix(field, "contacts[0].")
	case strings.HasPrefix(field, "identifier_"): // identifier_scheme_0, …
		return "identifiers"
	case strings.HasPrefix(field, "social_"):
		return strings.TrimPrefix(field, "social_")
	}
	return field
}

// item turns one record into an organisation, or into the problems that
// refuse it.
func (f *csvFile) item(cr *csv.Reader, lim *limitReader, line int, rec []string) Item {
	it := Item{Line: line, Keep: f.keep, Column: csvColumn}
	problem := func(field, msg, value string) {
		it.Problems = append(it.Problems, Problem{Field: field, Message: msg, Value: value})
	}
	if len(rec) != len(f.header) {
		problem("", "import.err.cell_count", strconv.Itoa(len(rec)))
		return it
	}
	for i, v := range rec {
		l, _ := cr.FieldPos(i)
		name := strings.ToLower(strings.TrimSpace(f.header[i]))
		switch {
		case lim.cut[l] && len(v) >= MaxCellBytes:
			problem(name, "import.err.cell_too_long", strconv.Itoa(MaxCellBytes))
		case !utf8.ValidString(v):
			problem(name, "import.err.not_utf8", "")
		}
	}
	if len(it.Problems) > 0 {
		return it
	}
	get := func(col string) string {
		if i, ok := f.index[col]; ok {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	number := func(col string) int {
		s := get(col)
		if s == "" {
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			problem(col, "manage.err.not_a_whole_number", s)
		}
		return n
	}
	degrees := func(col string) *float64 {
		s := get(col)
		if s == "" {
			return nil
		}
		x, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
		if err != nil {
			problem(col, "manage.err.not_a_number", s)
			return nil
		}
		return &x
	}
	list := func(col string) []string {
		var out []string
		for _, v := range strings.Split(get(col), ";") {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
		return out
	}

	p := &directory.Profile{}
	o := &p.Organisation
	o.Name = get("name")
	o.Slug = get("slug")
	if o.Slug == "" {
		o.Slug = directory.Slugify(o.Name, 80)
	}
	if k := get("kind"); k != "" {
		kind, ok := directory.KindFromSlug(strings.ToLower(k))
		if n, err := strconv.Atoi(k); err == nil && directory.Kind(n).Valid() {
			kind, ok = directory.Kind(n), true
		}
		if !ok {
			problem("kind", "import.err.unknown_kind", k)
		}
		o.Kind = kind
	}
	o.AlternateName = get("alternate_name")
	o.Website, o.Email, o.Phone = get("website"), get("email"), get("phone")
	o.FoundedYear = number("founded_year")
	o.Description = directory.Localized{FR: get("description_fr"), EN: get("description_en")}
	o.Mission = directory.Localized{FR: get("mission_fr"), EN: get("mission_en")}
	o.NewsletterURL = get("newsletter_url")
	for _, t := range list("themes") {
		o.Themes = append(o.Themes, directory.Theme{Slug: strings.ToLower(t)})
	}
	for _, c := range list("countries") {
		o.Countries = append(o.Countries, strings.ToUpper(c))
	}
	for _, v := range list("identifiers") {
		scheme, value, ok := strings.Cut(v, ":")
		if !ok {
			problem("identifiers", "import.err.identifier_format", v)
			continue
		}
		o.Identifiers = append(o.Identifiers, directory.Identifier{Scheme: strings.ToUpper(strings.TrimSpace(scheme)), Value: strings.TrimSpace(value)})
	}
	for _, n := range directory.SocialNetworks {
		if u := get(n); u != "" {
			o.SocialLinks = append(o.SocialLinks, directory.SocialLink{Network: n, URL: u})
		}
	}

	hq := directory.Office{ID: 1, Kind: directory.OfficeHeadquarters, Name: get("hq_name"), Address: get("hq_address"),
		PostalCode: get("hq_postal_code"), City: get("hq_city"), Country: strings.ToUpper(get("hq_country")),
		Latitude: degrees("hq_latitude"), Longitude: degrees("hq_longitude"), Email: get("hq_email"), Phone: get("hq_phone"),
		OpenedYear: number("hq_opened_year")}
	given := false
	for _, c := range Columns {
		given = given || strings.HasPrefix(c, "hq_") && get(c) != ""
	}
	if given {
		if hq.Name == "" {
			hq.Name = hq.City // a spreadsheet's headquarters is often only a city
		}
		p.Offices = []directory.Office{hq}
	}
	if email := get("contact_email"); email != "" || get("contact_name") != "" {
		name := get("contact_name")
		if name == "" {
			name = o.Name
		}
		it.Contacts = []directory.ContactPoint{{Name: name, Email: email, RoleCode: 1, OfficeID: 0, Default: true}}
	}
	// A refused row still says which organisation it was.
	it.Profile = p
	return it
}

// limitReader bounds a CSV file as it is read: at most MaxFileBytes in
// all (tooLong past them), and at most MaxCellBytes of any cell — the rest
// of a longer cell is dropped and its first line remembered in cut, so
// its row is refused without the cell ever being held. It follows the
// quoting of RFC 4180 closely enough for that (quotes toggle, separators
// and line ends outside quotes end a cell); line ends are always kept, so
// the CSV reader's line numbers stay true. A UTF-8 byte order mark at the
// start is dropped.
type limitReader struct {
	r        *bufio.Reader
	read     int64
	started  bool
	quoted   bool
	cell     int
	line     int
	cellLine int
	cut      map[int]bool
	tooLong  bool
	// start: at a cell's first byte; closed: just after a quoted
	// cell's closing quote (a second quote there is an escaped one).
	start, closed bool
}

// keep follows b through the quoting and reports whether it stays in the
// text the CSV reader sees.
func (l *limitReader) keep(b byte) bool {
	start, closed := l.start, l.closed
	l.start, l.closed = false, false
	switch {
	case l.quoted:
		switch b {
		case '"':
			l.quoted, l.closed = false, true
		case '\n':
			l.line++
		default:
			return l.count()
		}
	case b == '"' && closed:
		l.quoted = true
		l.count() // an escaped quote is content, but quotes are never dropped
	case b == '"' && start:
		l.quoted = true
	case b == ',':
		l.cell, l.cellLine, l.start = 0, l.line, true
	case b == '\n':
		l.line++
		l.cell, l.cellLine, l.start = 0, l.line, true
	case b == '\r':
		l.start = start
	default:
		return l.count()
	}
	return true
}

// count counts one byte of the current cell's content and reports
// whether it is within MaxCellBytes.
func (l *limitReader) count() bool {
	l.cell++
	if l.cell > MaxCellBytes {
		l.cut[l.cellLine] = true
		return false
	}
	return true
}

func (l *limitReader) Read(p []byte) (int, error) {
	if !l.started {
		l.started = true
		if b, err := l.r.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
			_, _ = l.r.Discard(3)
			l.read += 3
		}
	}
	n := 0
	for n < len(p) {
		b, err := l.r.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		l.read++
		if l.read > MaxFileBytes {
			l.tooLong = true
			return n, io.ErrUnexpectedEOF
		}
		if !l.keep(b) {
			continue // dropped: past MaxCellBytes
		}
		p[n] = b
		n++
	}
	return n, nil
}
