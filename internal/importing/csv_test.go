package importing_test

import (
	"errors"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/partnerdir/partnerdir/internal/importing"
)

// collect parses text and returns its items, failing on a refused file.
func collect(t testing.TB, r io.Reader) []importing.Item {
	t.Helper()
	items, err := importing.ParseCSV(r)
	if err != nil {
		t.Fatalf("file refused: %v", err)
	}
	var out []importing.Item
	for it := range items {
		out = append(out, it)
	}
	return out
}

func TestCSVFileRefusals(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, text     string
		line           int
		field, message string
	}{
		{"empty file", "", 1, "", "import.err.no_header"},
		{"unknown column", "name,kind,colour\nA,national-ngo,red\n", 1, "colour", "import.err.unknown_column"},
		{"missing required column", "name,website\nA,https://a.example.org\n", 1, "kind", "import.err.missing_column"},
		{"repeated column", "name,kind,Name\nA,22,B\n", 1, "name", "import.err.repeated_column"},
		{"header quote left open", "name,\"kind\n", 1, "", "import.err.quote"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := importing.ParseCSV(strings.NewReader(c.text))
			var fe *importing.FileError
			if !errors.As(err, &fe) || fe.Line != c.line || fe.Field != c.field || fe.Message != c.message {
				t.Fatalf("got %v, want line %d field %q %s", err, c.line, c.field, c.message)
			}
		})
	}
}

func TestCSVRowRefusalsNameTheirLineAndTheRestGoesOn(t *testing.T) {
	t.Parallel()
	text := "\xEF\xBB\xBFname,kind,founded_year,hq_latitude,identifiers\n" + // a BOM, dropped
		"Good,national-ngo,1990,,\n" +
		"Bad \xff bytes,national-ngo,,,\n" +
		"Bad \"quote,national-ngo,,,\n" +
		"\"Multi\nline\",22,,,\n" +
		"Year,national-ngo,nineteen,north,LU-RCS F1\n" +
		"Kind,charity,,,\n" +
		"Short,22\n" +
		"\"Open quote,national-ngo,,,\n" +
		"Never,22,,,\n"
	items := collect(t, strings.NewReader(text))
	type want struct {
		line    int
		field   string
		message string
	}
	wants := []want{
		{2, "", ""},
		{3, "name", "import.err.not_utf8"},
		{4, "", "import.err.bare_quote"},
		{5, "", ""},
		{7, "founded_year", "manage.err.not_a_whole_number"},
		{8, "kind", "import.err.unknown_kind"},
		{9, "", "import.err.cell_count"},
		{10, "", "import.err.quote"},
	}
	if len(items) != len(wants) {
		t.Fatalf("%d items, want %d: %+v", len(items), len(wants), items)
	}
	for i, w := range wants {
		it := items[i]
		if it.Line != w.line {
			t.Errorf("item %d: line %d, want %d", i, it.Line, w.line)
		}
		if w.message == "" {
			if len(it.Problems) > 0 || it.Profile == nil {
				t.Errorf("line %d refused: %+v", it.Line, it.Problems)
			}
			continue
		}
		if len(it.Problems) == 0 || it.Problems[0].Field != w.field || it.Problems[0].Message != w.message {
			t.Errorf("line %d: %+v, want %s at %q", it.Line, it.Problems, w.message, w.field)
		}
	}
	if items[0].Profile.Name != "Good" || items[0].Profile.Slug != "good" || items[0].Profile.FoundedYear != 1990 {
		t.Errorf("first row: %+v", items[0].Profile.Organisation)
	}
	var fields []string
	for _, p := range items[4].Problems {
		fields = append(fields, p.Field)
	}
	if slices.Sort(fields); !slices.Equal(fields, []string{"founded_year", "hq_latitude", "identifiers"}) {
		t.Errorf("line 7 should name each bad cell: %+v", items[4].Problems)
	}
}

// A 10 MB cell is refused while the file is read: the parser holds at
// most MaxCellBytes of it, and the next row is read as usual.
//
// Not parallel: it measures the memory the process allocates, so it runs
// before the parallel tests start.
func TestHugeCellIsRefusedWithoutBeingHeld(t *testing.T) {
	const size = 10 << 20
	r := io.MultiReader(strings.NewReader("name,kind,description_fr\nBig,22,\""),
		io.LimitReader(repeatReader('x'), size), strings.NewReader("\"\nNext,22,fine\n"))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	items := collect(t, r)
	runtime.ReadMemStats(&after)
	if len(items) != 2 {
		t.Fatalf("%d items", len(items))
	}
	if p := items[0].Problems; len(p) != 1 || p[0].Field != "description_fr" || p[0].Message != "import.err.cell_too_long" || items[0].Line != 2 {
		t.Errorf("big row: line %d %+v", items[0].Line, p)
	}
	if items[1].Line != 3 || len(items[1].Problems) != 0 || items[1].Profile.Description.FR != "fine" {
		t.Errorf("next row: %+v", items[1])
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 4<<20 {
		t.Errorf("reading a 10 MB cell allocated %d bytes", grew)
	}
}

func TestFileOverItsBoundEndsWithARefusal(t *testing.T) {
	t.Parallel()
	row := "Org,22," + strings.Repeat("d", 4000) + "\n"
	r := io.MultiReader(strings.NewReader("name,kind,description_fr\n"),
		io.LimitReader(repeatString(row), importing.MaxFileBytes+int64(len(row))))
	items := collect(t, r)
	last := items[len(items)-1]
	if len(last.Problems) != 1 || last.Problems[0].Message != "import.err.file_too_long" || last.Line < 2 {
		t.Fatalf("last item %+v", last)
	}
}

type repeatReader byte

func (b repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

type repeatString string

func (s repeatString) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		n += copy(p[n:], s)
	}
	return n, nil
}

// FuzzParseCSV: whatever the bytes, the parser does not panic, every
// refusal names a line, lines only grow, and a row it accepts has a name
// to show.
func FuzzParseCSV(f *testing.F) {
	for _, s := range []string{
		"name,kind\nA,22\n",
		"\xEF\xBB\xBFslug,name,kind,themes,countries,identifiers\na,A,national-ngo,health;education,ML;SN,LU-RCS:F1\n",
		"name,kind,description_fr\n\"multi\nline\",22,\"with \"\"quotes\"\"\"\n",
		"name,kind\n\"open,22\n",
		"name,kind\nbare\"quote,22\n",
		"name,kind,hq_latitude,hq_longitude\nA,22,12.5,-1,5\n",
		"name,kind\n\xff\xfe,22\n",
		"name,kind,unknown\n",
		"name\r\nA\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		items, err := importing.ParseCSV(strings.NewReader(string(data)))
		if err != nil {
			var fe *importing.FileError
			if !errors.As(err, &fe) || fe.Line < 1 || fe.Message == "" {
				t.Fatalf("file refusal without a line: %v", err)
			}
			return
		}
		last := 1
		for it := range items {
			if it.Line < last {
				t.Fatalf("line %d after %d", it.Line, last)
			}
			if it.Line < 2 {
				t.Fatalf("row at line %d", it.Line)
			}
			last = it.Line
			for _, p := range it.Problems {
				if p.Message == "" {
					t.Fatalf("line %d: a problem without a message", it.Line)
				}
			}
			if len(it.Problems) == 0 && (it.Profile == nil || it.Profile.Name == "" && it.Profile.Slug != "") {
				t.Fatalf("line %d accepted without a profile: %+v", it.Line, it.Profile)
			}
		}
	})
}
