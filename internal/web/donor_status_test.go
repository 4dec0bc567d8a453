package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/offers"
)

var ackStatusLink = regexp.MustCompile(`/offers/status\?token=[0-9A-Za-z%._-]+`)

// The donor's private status page: the link of the acknowledgment opens
// it, it says where the offer stands in plain words and nothing private,
// it is never stored, indexed or leaked by a Referer; a forged, unknown or
// purged offer's link is the site's plain 404.
func TestDonorStatusPageShowsWhereTheOfferStandsAndNothingElse(t *testing.T) {
	t.Parallel()
	f := newOffersFixture(t)
	b := f.browser(t)
	form := openForm(t, b, "/organisations/ecpat-luxembourg/offer")
	wantStatus(t, b.post("/organisations/ecpat-luxembourg/offer", form), http.StatusSeeOther)

	var id int64
	var ack, replyTo string
	if err := f.pool.QueryRow(context.Background(), `SELECT offer_id, text_body, reply_to_email FROM mail_messages WHERE purpose = 'offer_ack'`).
		Scan(&id, &ack, &replyTo); err != nil {
		t.Fatal(err)
	}
	if replyTo != "triage@partners.test" {
		t.Errorf("acknowledgment Reply-To %q, want TRIAGE_EMAIL", replyTo)
	}
	link := ackStatusLink.FindString(ack)
	if link == "" {
		t.Fatalf("the acknowledgment has no status link:\n%s", ack)
	}
	u, _ := url.Parse(link)
	token := u.Query().Get("token")

	staff := audit.Actor{Label: "staff@example.org"}
	if err := f.offers.AddNote(context.Background(), staff, id, "Note interne : donateur douteux"); err != nil {
		t.Fatal(err)
	}
	anon := f.browser(t)
	rec := anon.get(link)
	wantStatus(t, rec, http.StatusOK, "ECPAT Luxembourg", "Reçue : l&#39;offre attend d&#39;être transmise.", `href="/privacy#your-data"`, "Bénévolat")
	for header, want := range map[string]string{"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"} {
		if got := rec.Header().Get(header); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q", header, got, want)
		}
	}
	// The language switch comes back to this very page: the only place
	// the token is, in a link to this site.
	body := langSwitch.ReplaceAllString(rec.Body.String(), "")
	for _, private := range []string{"marie@example.com", "Marie Dupont", "Je peux aider le samedi", "Note interne", "c.wantz@ecpat.lu", token} {
		if strings.Contains(body, private) {
			t.Errorf("the status page shows %q", private)
		}
	}

	for _, to := range []string{offers.StatusInReview, offers.StatusForwarded} {
		if err := f.offers.ChangeStatus(context.Background(), staff, id, to, 0); err != nil {
			t.Fatal(err)
		}
	}
	rec = anon.get(link)
	wantStatus(t, rec, http.StatusOK, "Transmise à", "chez ECPAT Luxembourg")
	if strings.Contains(rec.Body.String(), "c.wantz@ecpat.lu") {
		t.Error("the forwarded status shows the contact's address")
	}

	notFound := anon.get("/offers/status?token=999999.AAAA")
	wantStatus(t, notFound, http.StatusNotFound)
	id2, mac, _ := strings.Cut(token, ".")
	for name, bad := range map[string]string{
		"no token":           "/offers/status",
		"tampered signature": "/offers/status?token=" + url.QueryEscape(id2+"."+strings.ToUpper(mac)),
		"another id":         "/offers/status?token=" + url.QueryEscape("1"+id2+"."+mac),
		"huge":               "/offers/status?token=" + strings.Repeat("9", 5000),
	} {
		rec := anon.get(bad)
		wantStatus(t, rec, http.StatusNotFound)
		if !sameBesidesRequestID(rec.Body.String(), notFound.Body.String()) {
			t.Errorf("%s: the 404 differs from an unknown offer's", name)
		}
	}

	// Purged with the donor's data (an erasure, as the retention does):
	// the link is a 404 like any other.
	if _, err := f.offers.EraseDonor(context.Background(), staff, "marie@example.com"); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, anon.get(link), http.StatusNotFound)

	// The privacy notice tells donors where to ask for their data.
	wantStatus(t, anon.get("/privacy"), http.StatusOK, `id="your-data"`, `href="mailto:triage@partners.test"`)
}

var (
	requestIDs = regexp.MustCompile(`<code>[0-9a-f]{16}</code>`)
	langSwitch = regexp.MustCompile(`href="/lang\?[^"]*"`)
)

// sameBesidesRequestID compares two error pages but for their request ids
// and the language switch, which comes back to the address asked for.
func sameBesidesRequestID(a, b string) bool {
	clean := func(s string) string { return langSwitch.ReplaceAllString(requestIDs.ReplaceAllString(s, ""), "") }
	return clean(a) == clean(b)
}
