package importing

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
)

// ReportColumns are the header of a report written as CSV.
var ReportColumns = []string{"line", "slug", "outcome", "field", "message"}

// WriteCSV writes the report, one line per row (one per problem of a
// refused row), with each message in the words of say (a translation of
// the problem's message id); an update's message lists what it changed.
func (r *Report) WriteCSV(w io.Writer, say func(Problem) string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(ReportColumns); err != nil {
		return err
	}
	for _, row := range r.Rows {
		line := strconv.Itoa(row.Line)
		if len(row.Problems) == 0 {
			if err := cw.Write(csvSafe(line, row.Slug, row.Outcome, "", strings.Join(row.Changed, ";"))); err != nil {
				return err
			}
			continue
		}
		for _, p := range row.Problems {
			if err := cw.Write(csvSafe(line, row.Slug, row.Outcome, p.Field, say(p))); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe neutralises cells a spreadsheet would run as a formula: a
// refused row's slug is whatever the file held.
func csvSafe(cells ...string) []string {
	for i, v := range cells {
		if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			cells[i] = "'" + v
		}
	}
	return cells
}
