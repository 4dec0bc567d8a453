package offers_test

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/mail/mailtest"
	"github.com/partnerdir/partnerdir/internal/offers"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

var statusLink = regexp.MustCompile(`https://partnerdir\.test/offers/status\?token=[0-9A-Za-z%._-]+`)

// tokenOf reads the token of the status link in a mail's text.
func tokenOf(t *testing.T, text string) string {
	t.Helper()
	link := statusLink.FindString(text)
	if link == "" {
		t.Fatalf("no status link in:\n%s", text)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("token")
}

func TestDonorFollowsTheOfferAndHearsOfEachStatusOnce(t *testing.T) {
	t.Parallel()
	e, srv := newMailingEnv(t)
	staff := e.staff(t)
	r := e.submit(t, submission("ecpat-luxembourg", directory.SupportVolunteering, "follow@example.com", "en"))

	ack := byRecipient(srv.WaitFor(2, 20*time.Second))["follow@example.com"]
	if len(ack) != 1 {
		t.Fatalf("acknowledgments: %d, want 1", len(ack))
	}
	if got := ack[0].Header().Get("Reply-To"); !strings.Contains(got, "triage@partnerdir.test") {
		t.Errorf("acknowledgment Reply-To %q, want the triage mailbox", got)
	}
	token := tokenOf(t, ack[0].Text())
	if !strings.Contains(ack[0].HTML(), "/offers/status?token=") {
		t.Error("the acknowledgment's HTML part has no status link")
	}
	st, err := e.store.StatusOf(ctx(), token)
	if err != nil {
		t.Fatal(err)
	}
	if st.Reference != r.Reference || st.OrganisationName != "ECPAT Luxembourg" || st.Status != offers.DonorReceived ||
		st.Kind != directory.SupportVolunteering || len(st.Steps) != 1 {
		t.Errorf("status page before triage: %+v", st)
	}

	for _, to := range []string{offers.StatusInReview, offers.StatusForwarded, offers.StatusAccepted} {
		if err := e.store.ChangeStatus(ctx(), staff, r.ID, to, 0); err != nil {
			t.Fatalf("→ %s: %v", to, err)
		}
	}
	msgs := byRecipient(srv.WaitFor(4, 20*time.Second))["follow@example.com"]
	if len(msgs) != 3 {
		t.Fatalf("mails to the donor: %d, want the acknowledgment, forwarded and accepted", len(msgs))
	}
	subjects := []string{}
	for _, m := range msgs[1:] {
		subjects = append(subjects, m.Subject())
		if got := m.Header().Get("Reply-To"); !strings.Contains(got, "triage@partnerdir.test") {
			t.Errorf("%q: Reply-To %q, want the triage mailbox", m.Subject(), got)
		}
		if tokenOf(t, m.Text()) != token {
			t.Errorf("%q carries another status link", m.Subject())
		}
		whole := m.Header().Get("To") + m.Subject() + m.Text() + m.HTML()
		for _, private := range []string{"Marie", "two evenings", "c.wantz@ecpat.lu", "staff@partnerdir.test"} {
			if strings.Contains(whole, private) {
				t.Errorf("%q tells the donor %q", m.Subject(), private)
			}
		}
	}
	// Two transitions in a row: their mails may be delivered in either
	// order (each is its own delivery job); each must come once.
	want := []string{"Your offer " + r.Reference + " was accepted by ECPAT Luxembourg", "Your offer " + r.Reference + " was passed on to ECPAT Luxembourg"}
	slices.Sort(subjects)
	if fmt.Sprint(subjects) != fmt.Sprint(want) {
		t.Errorf("status mails %q, want %q", subjects, want)
	}
	st, err = e.store.StatusOf(ctx(), token)
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, s := range st.Steps {
		steps = append(steps, s.Status)
	}
	if st.Status != offers.DonorAccepted || fmt.Sprint(steps) != "[received forwarded accepted]" || st.ForwardedTo == "" {
		t.Errorf("status page after acceptance: %s, steps %v, forwarded to %q", st.Status, steps, st.ForwardedTo)
	}

	// Closing tells the donor nothing more.
	if err := e.store.ChangeStatus(ctx(), staff, r.ID, offers.StatusClosed, 0); err != nil {
		t.Fatal(err)
	}
	if n := e.count(t, `SELECT count(*) FROM mail_messages WHERE offer_id = $1 AND purpose = 'offer_status'`, r.ID); n != 2 {
		t.Errorf("status mails after closing: %d, want 2", n)
	}
}

func TestFrenchDonorHearsInFrench(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits())
	staff := e.staff(t)
	r := e.submit(t, submission("ecpat-luxembourg", directory.SupportGoods, "fr@example.com", "fr"))
	for _, to := range []string{offers.StatusInReview, offers.StatusDeclined} {
		if err := e.store.ChangeStatus(ctx(), staff, r.ID, to, 0); err != nil {
			t.Fatal(err)
		}
	}
	var subject, lang, text string
	if err := e.pool.QueryRow(ctx(), `SELECT subject, lang, text_body FROM mail_messages WHERE offer_id = $1 AND purpose = 'offer_status'`, r.ID).
		Scan(&subject, &lang, &text); err != nil {
		t.Fatal(err)
	}
	if lang != "fr" || subject != "Votre offre "+r.Reference+" à ECPAT Luxembourg n'a pas été retenue" || !strings.Contains(text, "ne peut pas donner suite") {
		t.Errorf("declined mail in %s: %q\n%s", lang, subject, text)
	}
}

func TestParallelOrRepeatedTransitionsMailTheDonorOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits())
	staff := e.staff(t)
	r := e.submit(t, submission("ecpat-luxembourg", directory.SupportSkills, "race@example.com", "en"))
	if err := e.store.ChangeStatus(ctx(), staff, r.ID, offers.StatusInReview, 0); err != nil {
		t.Fatal(err)
	}
	// Two staff members accept the same offer at the same moment.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = e.store.ChangeStatus(ctx(), staff, r.ID, offers.StatusAccepted, 0)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, fault.ErrConflict):
			t.Fatalf("parallel acceptance: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d acceptances went through, want 1", ok)
	}
	// The same mail composed again (a retried job, a second code path)
	// is the first one: the outbox keeps one per offer and status.
	outbox, _ := mailtest.Outbox(t, e.pool, mailFrom)
	facts := mail.StatusFacts{Reference: r.Reference, OrganisationName: "ECPAT Luxembourg", Status: offers.StatusAccepted}
	err := postgres.InTx(ctx(), e.pool, func(tx pgx.Tx) error {
		id, err := outbox.ComposeTx(ctx(), tx, facts.StatusMail(r.ID, "en", mail.Address{Email: "race@example.com"}, mail.Address{Email: "triage@partnerdir.test"}))
		if id != 0 {
			t.Errorf("a repeated status mail was stored as message %d", id)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := e.count(t, `SELECT count(*) FROM mail_messages WHERE offer_id = $1 AND purpose = 'offer_status'`, r.ID); n != 1 {
		t.Errorf("acceptance mails: %d, want 1", n)
	}
	if n := e.count(t, `SELECT count(*) FROM river_job WHERE kind = 'send_mail' AND args->>'message_id' IN
		(SELECT id::text FROM mail_messages WHERE offer_id = $1 AND purpose = 'offer_status')`, r.ID); n != 1 {
		t.Errorf("delivery jobs of the acceptance mail: %d, want 1", n)
	}
}

func TestStatusLinkRefusesForgeriesAndDiesWithTheDonorsData(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits())
	r := e.submit(t, submission("ecpat-luxembourg", directory.SupportDonation, "gone@example.com", "en"))
	other := e.submit(t, submission("ecpat-luxembourg", directory.SupportDonation, "other@example.com", "en"))
	token := e.store.StatusToken(r.ID)
	if _, err := e.store.StatusOf(ctx(), token); err != nil {
		t.Fatalf("genuine token: %v", err)
	}
	id, mac, _ := strings.Cut(token, ".")
	flipped := []byte(mac)
	flipped[3] ^= 1
	for name, bad := range map[string]string{
		"empty":                         "",
		"no signature":                  id,
		"another offer's id":            fmt.Sprintf("%d.%s", other.ID, mac),
		"a changed signature":           id + "." + string(flipped),
		"an offer that never was":       e.store.StatusToken(999999),
		"leading zero":                  "0" + token,
		"far too long":                  token + strings.Repeat("A", 200),
		"a signature under another key": id + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	} {
		if _, err := e.store.StatusOf(ctx(), bad); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", name, err)
		}
	}
	// The donor's erasure (as the retention's purge) ends the link.
	if _, err := e.store.EraseDonor(ctx(), e.staff(t), "gone@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.StatusOf(ctx(), token); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("erased offer's link: %v, want ErrNotFound", err)
	}
	if n := e.count(t, `SELECT count(*) FROM mail_messages WHERE offer_id = $1 AND to_email <> ''`, other.ID); n != 2 {
		t.Errorf("the other donor's mails lost their addresses: %d left", n)
	}
}
