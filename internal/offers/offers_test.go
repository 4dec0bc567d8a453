package offers_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/demo/demotest"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/jobs"
	"github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/mail/mailtest"
	"github.com/partnerdir/partnerdir/internal/mail/smtptest"
	"github.com/partnerdir/partnerdir/internal/offers"
	"github.com/partnerdir/partnerdir/internal/pseudonym"
)

const mailFrom = "Partnerdir <no-reply@partnerdir.test>"

type env struct {
	pool   *pgxpool.Pool
	store  *offers.Store
	jobs   *jobs.Client
	limits offers.Limits
}

func newEnv(t *testing.T, limits offers.Limits) *env {
	t.Helper()
	pool, _ := demotest.Load(t)
	outbox, ins := mailtest.Outbox(t, pool, mailFrom)
	ips, err := pseudonym.New([]byte("fedcba9876543210fedcba9876543210"))
	if err != nil {
		t.Fatal(err)
	}
	store, err := offers.NewStore(pool, offers.Config{
		Outbox:      outbox,
		Secret:      []byte("0123456789abcdef0123456789abcdef"),
		Pseudonyms:  ips,
		TriageEmail: "triage@partnerdir.test",
		BaseURL:     "https://partnerdir.test",
		Limits:      limits,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &env{pool: pool, store: store, jobs: ins, limits: limits}
}

// noLimits keeps the spam guards that do not depend on volume.
func noLimits() offers.Limits {
	l := offers.DefaultLimits()
	l.MinFillTime = 0
	l.PerIP, l.PerEmail = 0, 0
	return l
}

// newMailingEnv is newEnv without limits whose mail queue is worked
// against a test SMTP server, which it returns too.
func newMailingEnv(t *testing.T) (*env, *smtptest.Server) {
	t.Helper()
	e := newEnv(t, noLimits())
	srv := smtptest.New(t)
	startWorkers(t, e, srv.URL())
	return e, srv
}

// startWorkers runs a River client working the mail queue against smtpURL
// on its own pool, stopped when t ends.
func startWorkers(t *testing.T, e *env, smtpURL string) {
	t.Helper()
	sender, err := mail.NewSMTP(smtpURL, mailFrom)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(context.Background(), e.pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	w := mail.NewWorker(pool, sender, slog.New(slog.DiscardHandler))
	w.Backoff = func(int) time.Duration { return 150 * time.Millisecond }
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	c, err := jobs.NewWorking(pool, jobs.Options{Workers: workers, Logger: slog.New(slog.DiscardHandler), PollInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopCtx, stop := context.WithTimeout(context.Background(), 10*time.Second)
		defer stop()
		_ = c.Stop(stopCtx)
		cancel()
		pool.Close()
	})
}

func submission(org string, kind directory.SupportKind, email, lang string) offers.Submission {
	return offers.Submission{
		OrganisationSlug: org,
		Kind:             kind,
		Message:          "Je peux aider deux soirs par semaine.\n\nI can help two evenings a week.",
		Name:             "Marie Dupont",
		Email:            email,
		Phone:            "+352 621 000 000",
		Lang:             lang,
		Consent:          true,
	}
}

func (e *env) submit(t *testing.T, sub offers.Submission) *offers.Receipt {
	t.Helper()
	sub.FormToken = e.store.FormToken()
	r, err := e.store.Submit(context.Background(), audit.Actor{Label: "donor"}, sub)
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	return r
}

func (e *env) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := e.pool.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// waitUntil polls cond until it holds or the deadline passes.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func byRecipient(msgs []smtptest.Received) map[string][]smtptest.Received {
	out := map[string][]smtptest.Received{}
	for _, m := range msgs {
		for _, to := range m.To {
			out[to] = append(out[to], m)
		}
	}
	return out
}

func TestEcpatVolunteeringOfferReachesContactAndDonor(t *testing.T) {
	t.Parallel()
	e, srv := newMailingEnv(t)

	r := e.submit(t, submission("ecpat-luxembourg", directory.SupportVolunteering, "marie.dupont@example.com", "en"))
	if !regexp.MustCompile(`^OFR-\d{4}-\d{6}$`).MatchString(r.Reference) {
		t.Errorf("reference %q, want OFR-YYYY-NNNNNN", r.Reference)
	}
	if r.Routing.To.Email != "c.wantz@ecpat.lu" || r.Routing.Basis != offers.BasisDefaultContact {
		t.Errorf("routed to %v by %s, want c.wantz@ecpat.lu by default contact", r.Routing.To, r.Routing.Basis)
	}

	msgs := byRecipient(srv.WaitFor(2, 20*time.Second))
	contact := msgs["c.wantz@ecpat.lu"]
	if len(contact) != 1 {
		t.Fatalf("mails to c.wantz@ecpat.lu: %d, want 1", len(contact))
	}
	h := contact[0].Header()
	if got := h.Get("Reply-To"); !strings.Contains(got, "marie.dupont@example.com") {
		t.Errorf("Reply-To %q, want the donor", got)
	}
	if got := h.Get("From"); !strings.Contains(got, "no-reply@partnerdir.test") {
		t.Errorf("From %q, want MAIL_FROM", got)
	}
	if !strings.Contains(contact[0].Subject(), r.Reference) {
		t.Errorf("contact subject %q lacks the reference", contact[0].Subject())
	}
	body := contact[0].Text()
	for _, want := range []string{"two evenings a week", fmt.Sprintf("https://partnerdir.test/manage/offers/%d", r.ID)} {
		if !strings.Contains(body, want) {
			t.Errorf("contact mail lacks %q", want)
		}
	}
	ack := msgs["marie.dupont@example.com"]
	if len(ack) != 1 {
		t.Fatalf("acknowledgments: %d, want 1", len(ack))
	}
	if s := ack[0].Subject(); !strings.HasPrefix(s, "Your offer "+r.Reference) {
		t.Errorf("acknowledgment subject %q, want English with the reference", s)
	}
	if !strings.Contains(ack[0].Text(), "What happens next?") {
		t.Errorf("acknowledgment lacks \"what happens next\"")
	}
	assertAckRelaysNothing(t, ack[0], r.Reference, "ECPAT Luxembourg", "Hello,")

	var basis, routedTo, consent, status, ipHash string
	if err := e.pool.QueryRow(context.Background(),
		`SELECT routing_basis, routed_to_email, consent_version, status, ip_hash FROM offers WHERE id = $1`, r.ID).Scan(&basis, &routedTo, &consent, &status, &ipHash); err != nil {
		t.Fatal(err)
	}
	if basis != offers.BasisDefaultContact || routedTo != "c.wantz@ecpat.lu" || consent != offers.ConsentVersion || status != offers.StatusNew {
		t.Errorf("stored routing %s → %q, consent %q, status %q", basis, routedTo, consent, status)
	}
	waitUntil(t, 10*time.Second, "both mails marked sent", func() bool {
		return e.count(t, `SELECT count(*) FROM mail_messages WHERE offer_id = $1 AND status = 'sent' AND attempts = 1 AND sent_at IS NOT NULL`, r.ID) == 2
	})
	if n := e.count(t, `SELECT count(*) FROM audit_log WHERE action = 'offer.submit' AND entity_id = $1`, r.ID); n != 1 {
		t.Errorf("audit entries: %d, want 1", n)
	}
}

func TestFrenchDonorGetsFrenchAcknowledgment(t *testing.T) {
	t.Parallel()
	e, srv := newMailingEnv(t)
	r := e.submit(t, submission("ecpat-luxembourg", directory.SupportGoods, "jean@example.com", "fr"))
	ack := byRecipient(srv.WaitFor(2, 20*time.Second))["jean@example.com"]
	if len(ack) != 1 || !strings.HasPrefix(ack[0].Subject(), "Votre offre "+r.Reference) {
		t.Fatalf("French acknowledgment not received (%d mails)", len(ack))
	}
	if !strings.Contains(ack[0].Text(), "Et maintenant ?") {
		t.Error("acknowledgment lacks the French \"what happens next\"")
	}
	assertAckRelaysNothing(t, ack[0], r.Reference, "ECPAT Luxembourg", "Bonjour,")
}

// assertAckRelaysNothing checks that an acknowledgment as delivered states
// the reference, the organisation and its greeting, and quotes nothing the
// sender typed: neither the name (submission's "Marie Dupont", in the body
// or the To header) nor any part of the message.
func assertAckRelaysNothing(t *testing.T, ack smtptest.Received, reference, organisation, greeting string) {
	t.Helper()
	body := ack.Text()
	for _, want := range []string{reference, organisation, greeting} {
		if !strings.Contains(body, want) || !strings.Contains(ack.Subject()+ack.HTML(), want) {
			t.Errorf("acknowledgment lacks %q:\n%s", want, body)
		}
	}
	whole := ack.Header().Get("To") + "\n" + ack.Subject() + "\n" + body + "\n" + ack.HTML()
	for _, typed := range []string{"Marie", "Dupont", "deux soirs", "two evenings"} {
		if strings.Contains(whole, typed) {
			t.Errorf("acknowledgment quotes %q, which the sender typed:\n%s", typed, whole)
		}
	}
}

func TestRouting(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits())
	ctx := context.Background()
	const org = "enfance-et-avenir-international"
	var orgID, dakar, abidjan, projectID int64
	var projectSlug, projectTitle string
	if err := e.pool.QueryRow(ctx, `SELECT id FROM organisations WHERE slug = $1`, org).Scan(&orgID); err != nil {
		t.Fatal(err)
	}
	if err := e.pool.QueryRow(ctx, `SELECT id FROM offices WHERE organisation_id = $1 AND city = 'Dakar'`, orgID).Scan(&dakar); err != nil {
		t.Fatal(err)
	}
	if err := e.pool.QueryRow(ctx, `SELECT id FROM offices WHERE organisation_id = $1 AND city = 'Abidjan'`, orgID).Scan(&abidjan); err != nil {
		t.Fatal(err)
	}
	if err := e.pool.QueryRow(ctx, `SELECT id, slug, title FROM projects WHERE organisation_id = $1 ORDER BY id LIMIT 1`, orgID).Scan(&projectID, &projectSlug, &projectTitle); err != nil {
		t.Fatal(err)
	}
	// A project rule for skills, to a dedicated contact.
	if _, err := e.pool.Exec(ctx, `
		WITH c AS (INSERT INTO contact_points (organisation_id, name, email) VALUES ($1, 'Projets', 'projets@enfance-avenir.example.org') RETURNING id)
		INSERT INTO routing_rules (organisation_id, support_kind, project_id, contact_point_id) SELECT $1, 'skills', $2, id FROM c`,
		orgID, projectID); err != nil {
		t.Fatal(err)
	}
	var defaultEmail string
	if err := e.pool.QueryRow(ctx, `SELECT c.email FROM organisations o JOIN contact_points c ON c.id = o.default_contact_id WHERE o.id = $1`, orgID).Scan(&defaultEmail); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name      string
		kind      directory.SupportKind
		office    int64
		project   string
		wantBasis string
		wantTo    string
		// wantScope is where the rule applied: the office or the project.
		wantScope string
	}{
		{"volunteering at the Dakar office", directory.SupportVolunteering, dakar, "", offers.BasisOfficeRule, "benevolat@enfance-avenir.example.org", "Bureau régional — Dakar, Dakar"},
		{"volunteering at another office falls back to the default contact", directory.SupportVolunteering, abidjan, "", offers.BasisDefaultContact, defaultEmail, ""},
		{"donation anywhere", directory.SupportDonation, abidjan, "", offers.BasisKindRule, "dons@enfance-avenir.example.org", ""},
		{"skills for the project", directory.SupportSkills, 0, projectSlug, offers.BasisProjectRule, "projets@enfance-avenir.example.org", projectTitle},
		{"skills without the project", directory.SupportSkills, 0, "", offers.BasisDefaultContact, defaultEmail, ""},
	}
	for i, tc := range cases {
		sub := submission(org, tc.kind, fmt.Sprintf("donor%d@example.com", i), "fr")
		sub.OfficeID, sub.ProjectSlug = tc.office, tc.project
		r := e.submit(t, sub)
		if r.Routing.Basis != tc.wantBasis || r.Routing.To.Email != tc.wantTo || r.Routing.Scope != tc.wantScope {
			t.Errorf("%s: routed by %s to %s (%q), want %s to %s (%q)", tc.name, r.Routing.Basis, r.Routing.To.Email, r.Routing.Scope, tc.wantBasis, tc.wantTo, tc.wantScope)
		}
		var to string
		if err := e.pool.QueryRow(ctx, `SELECT to_email FROM mail_messages WHERE offer_id = $1 AND purpose = 'offer_contact'`, r.ID).Scan(&to); err != nil || to != tc.wantTo {
			t.Errorf("%s: contact mail queued to %q (%v), want %s", tc.name, to, err, tc.wantTo)
		}
	}

	// With no rule and no default contact, the platform's triage mailbox.
	if _, err := e.pool.Exec(ctx, `ALTER TABLE organisations DROP CONSTRAINT organisations_published_has_default_contact;
		UPDATE organisations SET default_contact_id = NULL WHERE id = `+fmt.Sprint(orgID)); err != nil {
		t.Fatal(err)
	}
	r := e.submit(t, submission(org, directory.SupportGoods, "late@example.com", "fr"))
	if r.Routing.Basis != offers.BasisTriage || r.Routing.To.Email != "triage@partnerdir.test" {
		t.Errorf("without default contact: routed by %s to %s, want triage", r.Routing.Basis, r.Routing.To.Email)
	}
}

func TestSMTPDownOffersKeptAndMailsDeliveredOnceWhenBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits())
	srv := smtptest.Reserve(t) // down: connections refused
	startWorkers(t, e, srv.URL())

	const n = 100
	refs := map[string]bool{}
	began := time.Now()
	for i := 0; i < n; i++ {
		r := e.submit(t, submission("ecpat-luxembourg", directory.SupportVolunteering, fmt.Sprintf("donor%03d@example.com", i), []string{"fr", "en"}[i%2]))
		refs[r.Reference] = true
	}
	if len(refs) != n {
		t.Fatalf("%d distinct references for %d offers", len(refs), n)
	}
	t.Logf("%d offers stored with SMTP down in %s", n, time.Since(began).Round(time.Millisecond))
	if got := e.count(t, `SELECT count(*) FROM offers`); got != n {
		t.Fatalf("offers stored: %d, want %d", got, n)
	}
	// Every mail has been tried and failed while the server was down.
	waitUntil(t, 60*time.Second, "every mail attempted", func() bool {
		return e.count(t, `SELECT count(*) FROM mail_messages WHERE attempts >= 1 AND status = 'queued' AND last_error <> ''`) == 2*n
	})
	if len(srv.Messages()) != 0 {
		t.Fatal("mail delivered while the server was down")
	}

	srv.Start()
	back := time.Now()
	srv.WaitFor(2*n, 60*time.Second)
	t.Logf("%d mails delivered %s after SMTP came back", 2*n, time.Since(back).Round(time.Millisecond))
	waitUntil(t, 30*time.Second, "every mail marked sent and every job finished", func() bool {
		return e.count(t, `SELECT count(*) FROM mail_messages WHERE status = 'sent'`) == 2*n &&
			e.count(t, `SELECT count(*) FROM river_job WHERE state NOT IN ('completed', 'cancelled', 'discarded')`) == 0
	})
	assertExactlyOnce(t, e, srv, 2*n)
}

// assertExactlyOnce checks that the server received want messages, each
// stored message exactly once.
func assertExactlyOnce(t *testing.T, e *env, srv *smtptest.Server, want int) {
	t.Helper()
	msgs := srv.Messages()
	if len(msgs) != want {
		t.Errorf("messages received: %d, want exactly %d", len(msgs), want)
	}
	seen := map[string]int{}
	for _, m := range msgs {
		seen[m.Header().Get("Message-Id")]++
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("message %s received %d times", id, c)
		}
	}
	if stored := e.count(t, `SELECT count(*) FROM mail_messages`); len(seen) != stored {
		t.Errorf("distinct Message-IDs received: %d, stored messages: %d", len(seen), stored)
	}
}

func TestTwoWorkerProcessesNeverSendTwice(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits())
	srv := smtptest.New(t)
	ctx := context.Background()
	const n = 30
	for i := 0; i < n; i++ {
		e.submit(t, submission("ecpat-luxembourg", directory.SupportDonation, fmt.Sprintf("d%02d@example.com", i), "fr"))
	}
	// A duplicate job for every message, as a retry after a crash or a
	// second enqueue would create.
	rows, err := e.pool.Query(ctx, `SELECT id FROM mail_messages`)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	for _, id := range ids {
		if _, err := e.jobs.Insert(ctx, jobs.SendMail{MessageID: id}, nil); err != nil {
			t.Fatal(err)
		}
	}
	startWorkers(t, e, srv.URL())
	startWorkers(t, e, srv.URL())
	srv.WaitFor(2*n, 30*time.Second)
	waitUntil(t, 30*time.Second, "every job finished", func() bool {
		return e.count(t, `SELECT count(*) FROM river_job WHERE state NOT IN ('completed', 'cancelled', 'discarded')`) == 0
	})
	assertExactlyOnce(t, e, srv, 2*n)
}

func TestPermanentRefusalStopsAndTemporaryRetries(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits())
	srv := smtptest.New(t)
	srv.Reject("bounce@example.com", 550)
	srv.Reject("busy@example.com", 451)
	startWorkers(t, e, srv.URL())

	bounced := e.submit(t, submission("ecpat-luxembourg", directory.SupportSkills, "bounce@example.com", "fr"))
	busy := e.submit(t, submission("ecpat-luxembourg", directory.SupportSkills, "busy@example.com", "fr"))

	waitUntil(t, 20*time.Second, "the refused acknowledgment marked failed", func() bool {
		return e.count(t, `SELECT count(*) FROM mail_messages WHERE offer_id = $1 AND purpose = 'offer_ack' AND status = 'failed' AND last_error LIKE '%550%'`, bounced.ID) == 1
	})
	waitUntil(t, 20*time.Second, "the busy acknowledgment tried twice", func() bool {
		return e.count(t, `SELECT count(*) FROM mail_messages WHERE offer_id = $1 AND purpose = 'offer_ack' AND status = 'queued' AND attempts >= 2 AND last_error LIKE '%451%'`, busy.ID) == 1
	})
	srv.Reject("busy@example.com", 0)
	waitUntil(t, 20*time.Second, "the busy acknowledgment sent once the server accepts", func() bool {
		return e.count(t, `SELECT count(*) FROM mail_messages WHERE offer_id = $1 AND status = 'sent'`, busy.ID) == 2
	})
	// The permanent failure is not retried.
	var attempts int
	if err := e.pool.QueryRow(ctx(), `SELECT attempts FROM mail_messages WHERE offer_id = $1 AND purpose = 'offer_ack'`, bounced.ID).Scan(&attempts); err != nil || attempts != 1 {
		t.Errorf("refused mail attempts %d (%v), want 1", attempts, err)
	}
	mails, err := mail.ForOffer(ctx(), e.pool, bounced.ID)
	if err != nil || len(mails) != 2 {
		t.Fatalf("mail log: %v %v", mails, err)
	}
}

func ctx() context.Context { return context.Background() }

func TestInvalidInputStoresNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits())
	valid := func() offers.Submission {
		s := submission("ecpat-luxembourg", directory.SupportVolunteering, "ok@example.com", "fr")
		s.FormToken = e.store.FormToken()
		return s
	}
	cases := []struct {
		name   string
		edit   func(*offers.Submission)
		fields []string // expected invalid fields; nil for another error
		err    error
	}{
		{"missing everything", func(s *offers.Submission) {
			*s = offers.Submission{OrganisationSlug: "ecpat-luxembourg", FormToken: s.FormToken}
		},
			[]string{"kind", "message", "name", "email", "lang", "consent"}, nil},
		{"1 MB message", func(s *offers.Submission) { s.Message = strings.Repeat("a", 1<<20) }, []string{"message"}, nil},
		{"bad email", func(s *offers.Submission) { s.Email = "not-an-email" }, []string{"email"}, nil},
		{"email with a display name", func(s *offers.Submission) { s.Email = "Eve <eve@example.com>" }, []string{"email"}, nil},
		{"header injection in the name", func(s *offers.Submission) { s.Name = "x\r\nBcc: evil@example.com" }, []string{"name"}, nil},
		{"header injection in the email", func(s *offers.Submission) { s.Email = "a@example.com\r\nBcc: evil@example.com" }, []string{"email"}, nil},
		{"too many links", func(s *offers.Submission) {
			s.Message = "http://a.example http://b.example https://c.example www.d.example"
		}, []string{"message"}, nil},
		{"unknown kind", func(s *offers.Submission) { s.Kind = "money" }, []string{"kind"}, nil},
		{"no consent", func(s *offers.Submission) { s.Consent = false }, []string{"consent"}, nil},
		{"unknown project", func(s *offers.Submission) { s.ProjectSlug = "no-such-project" }, []string{"project"}, nil},
		{"office of another organisation", func(s *offers.Submission) { s.OfficeID = 999999 }, []string{"office"}, nil},
		{"unknown organisation", func(s *offers.Submission) { s.OrganisationSlug = "no-such-ngo" }, nil, fault.ErrNotFound},
		{"honeypot filled", func(s *offers.Submission) { s.Honeypot = "http://spam.example" }, nil, offers.ErrRejected},
		{"forged form token", func(s *offers.Submission) { s.FormToken = "abc.def" }, nil, offers.ErrRejected},
		{"no form token", func(s *offers.Submission) { s.FormToken = "" }, nil, offers.ErrRejected},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := valid()
			tc.edit(&s)
			_, err := e.store.Submit(context.Background(), audit.Actor{Label: "donor"}, s)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				return
			}
			if !errors.Is(err, fault.ErrInvalid) {
				t.Fatalf("err = %v, want a validation error", err)
			}
			for _, f := range tc.fields {
				if fault.FieldsOf(err)[f] == "" {
					t.Errorf("no error on %s; got %v", f, fault.FieldsOf(err))
				}
			}
			if len(fault.FieldsOf(err)) != len(tc.fields) {
				t.Errorf("errors on %v, want exactly %v", fault.FieldsOf(err), tc.fields)
			}
		})
	}
	for table, q := range map[string]string{
		"offers": `SELECT count(*) FROM offers`, "mail_messages": `SELECT count(*) FROM mail_messages`,
		"river_job": `SELECT count(*) FROM river_job`, "audit": `SELECT count(*) FROM audit_log WHERE action LIKE 'offer.%'`,
	} {
		if n := e.count(t, q); n != 0 {
			t.Errorf("%s: %d rows after invalid submissions, want 0", table, n)
		}
	}
}

func TestSpamGuards(t *testing.T) {
	t.Parallel()
	l := offers.DefaultLimits()
	l.PerIP, l.PerEmail = 3, 2
	e := newEnv(t, l)

	// A form sent back at once is a bot.
	s := submission("ecpat-luxembourg", directory.SupportDonation, "quick@example.com", "fr")
	s.FormToken = e.store.FormToken()
	if _, err := e.store.Submit(ctx(), audit.Actor{}, s); !errors.Is(err, offers.ErrRejected) {
		t.Fatalf("instant submission: %v, want ErrRejected", err)
	}

	e.store.SetClock(func() time.Time { return time.Now().Add(time.Minute) })
	send := func(email, ip string) error {
		s := submission("ecpat-luxembourg", directory.SupportDonation, email, "fr")
		s.IP = ip
		s.FormToken = e.store.FormTokenAt(time.Now())
		_, err := e.store.Submit(ctx(), audit.Actor{}, s)
		return err
	}
	// Per email: the third offer from one address within the hour is refused.
	for i, want := range []error{nil, nil, offers.ErrRejected} {
		if err := send("same@example.com", fmt.Sprintf("192.0.2.%d", i)); !errors.Is(err, want) {
			t.Fatalf("offer %d from one email: %v, want %v", i+1, err, want)
		}
	}
	// Per IP: the fourth offer from one address within the hour is refused.
	for i, want := range []error{nil, nil, nil, offers.ErrRejected} {
		if err := send(fmt.Sprintf("ip%d@example.com", i), "198.51.100.7"); !errors.Is(err, want) {
			t.Fatalf("offer %d from one IP: %v, want %v", i+1, err, want)
		}
	}
	// The address itself is never stored.
	if n := e.count(t, `SELECT count(*) FROM offers WHERE ip_hash LIKE '%198.51%' OR ip_hash = ''`); n != 0 {
		t.Errorf("%d offers store an IP in clear or no hash", n)
	}
	// An old form is expired: a validation error the donor can act on.
	s = submission("ecpat-luxembourg", directory.SupportDonation, "slow@example.com", "fr")
	s.FormToken = e.store.FormTokenAt(time.Now().Add(-48 * time.Hour))
	if _, err := e.store.Submit(ctx(), audit.Actor{}, s); !errors.Is(err, fault.ErrInvalid) || fault.FieldsOf(err)["form"] != "offers.form.expired" {
		t.Fatalf("expired form: %v, want a validation error on form", err)
	}
}

func TestHeaderSafe(t *testing.T) {
	t.Parallel()
	if got := mail.HeaderSafe("x\r\nBcc: evil@example.com"); strings.ContainsAny(got, "\r\n") {
		t.Errorf("HeaderSafe kept a line break: %q", got)
	}
}

// A form is accepted once: concurrent submissions of it (a double click, a
// retry after a dropped connection) and a resubmission after the first
// committed (the donor who saw an error after a crash) all get the first
// offer's reference, and only one offer with its two mails is stored.
func TestResubmittedFormIsOneOffer(t *testing.T) {
	t.Parallel()
	l := noLimits()
	l.PerIP, l.PerEmail = 1, 1 // a resubmission must not count as a second offer
	e := newEnv(t, l)
	s := submission("ecpat-luxembourg", directory.SupportVolunteering, "twice@example.com", "fr")
	s.IP = "203.0.113.9"
	s.FormToken = e.store.FormToken()

	const n = 3
	receipts := make([]*offers.Receipt, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			receipts[i], errs[i] = e.store.Submit(ctx(), audit.Actor{Label: "donor"}, s)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("submission %d: %v", i+1, err)
		}
	}
	first := receipts[0]
	for i, r := range receipts {
		if r.Reference != first.Reference || r.ID != first.ID {
			t.Errorf("submission %d: offer %d %s, want %d %s", i+1, r.ID, r.Reference, first.ID, first.Reference)
		}
		if r.OrganisationName != "ECPAT Luxembourg" || r.Routing.To.Email != "c.wantz@ecpat.lu" || r.Routing.Basis != offers.BasisDefaultContact {
			t.Errorf("submission %d: receipt %+v, want ECPAT's default contact", i+1, r)
		}
	}
	counts := func() map[string]int {
		return map[string]int{
			"offers":        e.count(t, `SELECT count(*) FROM offers`),
			"mail_messages": e.count(t, `SELECT count(*) FROM mail_messages`),
			"send_mail":     e.count(t, `SELECT count(*) FROM river_job WHERE kind = 'send_mail'`),
			"audit":         e.count(t, `SELECT count(*) FROM audit_log WHERE action = 'offer.submit'`),
			"history":       e.count(t, `SELECT count(*) FROM offer_status_history`),
		}
	}
	want := map[string]int{"offers": 1, "mail_messages": 2, "send_mail": 2, "audit": 1, "history": 1}
	if got := counts(); !maps.Equal(got, want) {
		t.Fatalf("after %d concurrent submissions of one form: %v, want %v", n, got, want)
	}
	// The hash of the token is stored, never the token.
	if n := e.count(t, `SELECT count(*) FROM offers WHERE id = $1 AND length(form_token_hash) = 32 AND position(convert_to($2, 'UTF8') IN form_token_hash) = 0`,
		first.ID, s.FormToken); n != 1 {
		t.Errorf("offer %d does not store its form token's SHA-256 alone", first.ID)
	}

	// The crash case: the first offer committed, the donor sends again,
	// even once the form is old and the limits would refuse a new offer.
	e.store.SetClock(func() time.Time { return time.Now().Add(48 * time.Hour) })
	r, err := e.store.Submit(ctx(), audit.Actor{Label: "donor"}, s)
	if err != nil || r.Reference != first.Reference {
		t.Fatalf("resubmission after commit: %v %v, want %s", r, err, first.Reference)
	}
	if got := counts(); !maps.Equal(got, want) {
		t.Fatalf("after the resubmission: %v, want %v", got, want)
	}
	// The token of one organisation's form is no good for another's.
	other := s
	other.OrganisationSlug = "enfance-et-avenir-international"
	if _, err := e.store.Submit(ctx(), audit.Actor{Label: "donor"}, other); !errors.Is(err, offers.ErrRejected) {
		t.Fatalf("a form token reused for another organisation: %v, want ErrRejected", err)
	}
}

// Two forms from the same donor are two offers: every form token is unique.
func TestTwoFormsAreTwoOffers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits())
	a, b := e.store.FormToken(), e.store.FormToken()
	if a == b {
		t.Fatalf("two forms got the same token %q", a)
	}
	s := submission("ecpat-luxembourg", directory.SupportVolunteering, "again@example.com", "fr")
	s.FormToken = a
	r1, err := e.store.Submit(ctx(), audit.Actor{Label: "donor"}, s)
	if err != nil {
		t.Fatal(err)
	}
	s.FormToken = b
	r2, err := e.store.Submit(ctx(), audit.Actor{Label: "donor"}, s)
	if err != nil {
		t.Fatal(err)
	}
	if r1.Reference == r2.Reference {
		t.Errorf("two forms, one reference %s", r1.Reference)
	}
	if n := e.count(t, `SELECT count(*) FROM offers`); n != 2 {
		t.Errorf("offers: %d, want 2", n)
	}
	if n := e.count(t, `SELECT count(*) FROM mail_messages`); n != 4 {
		t.Errorf("mails: %d, want 4", n)
	}
}
