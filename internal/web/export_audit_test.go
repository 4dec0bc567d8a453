package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/directory"
)

// TestExportAuditRecordsCountsNotQueries: exporting the inbox filtered by
// a donor's address audits how many rows left and which filters chose
// them; the words searched for are nowhere in the log.
func TestExportAuditRecordsCountsNotQueries(t *testing.T) {
	t.Parallel()
	f := newOffersFixture(t)
	f.user(t, "staff@partners.test", accounts.RoleStaff, "", "")
	f.user(t, "editor@ecpat.test", "", "ecpat-luxembourg", accounts.OrgEditor)
	f.submit(t, "ecpat-luxembourg", directory.SupportVolunteering, "jane.doe@example.com")
	f.submit(t, "ecpat-luxembourg", directory.SupportDonation, "someone@example.com")

	staff := f.browser(t)
	staff.login("staff@partners.test")
	enrolTwoFactor(t, staff)
	editor := f.browser(t)
	editor.login("editor@ecpat.test")
	for _, tc := range []struct {
		b       *browser
		path    string
		rows    int
		filters []string
	}{
		{staff, "/staff/offers.csv?q=" + url.QueryEscape("jane.doe@example.com") + "&status=new&org=ecpat-luxembourg", 1, []string{"status", "organisation", "query"}},
		{staff, "/staff/offers.csv", 2, []string{}},
		{editor, "/manage/offers.csv?q=Jane.Doe&kind=volunteering", 1, []string{"kind", "query"}},
	} {
		rec := tc.b.get(tc.path)
		wantStatus(t, rec, http.StatusOK, "jane.doe@example.com")
		var raw []byte
		if err := f.pool.QueryRow(t.Context(), `SELECT details FROM audit_log WHERE action = 'offer.export' ORDER BY id DESC LIMIT 1`).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		var d struct {
			Rows    int      `json:"rows"`
			Filters []string `json:"filters"`
		}
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatal(err)
		}
		if d.Rows != tc.rows || !slices.Equal(d.Filters, tc.filters) {
			t.Errorf("GET %s audited %s, want %d rows and filters %q", tc.path, raw, tc.rows, tc.filters)
		}
		if s := strings.ToLower(string(raw)); strings.Contains(s, "jane") || strings.Contains(s, "@") || strings.Contains(s, "volunteering") {
			t.Errorf("GET %s: the audit entry holds a filter's value: %s", tc.path, raw)
		}
	}
}
