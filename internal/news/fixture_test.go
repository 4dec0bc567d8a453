package news_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/demo/demotest"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/mail/mailtest"
	"github.com/partnerdir/partnerdir/internal/news"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

// fixture is a news store over a database of its own holding the demo
// directory, its mails going to the real outbox, with people in every
// role and a record of the change hook's calls.
type fixture struct {
	pool  *pgxpool.Pool
	store *news.Store

	mu      sync.Mutex
	changes []news.Change
	// failHook makes the change hook fail, to see the write roll back.
	failHook bool

	ecpat, sahel int64
	// owner and editor are ECPAT Luxembourg's; stranger edits Sahel Eau
	// Vive; staff and admin are the platform's.
	owner, editor, stranger, staff, admin audit.Actor
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	pool, _ := demotest.Load(t)
	f := &fixture{pool: pool}
	outbox, _ := mailtest.Outbox(t, pool, "Partnerdir <no-reply@partners.test>")
	f.store = news.NewStore(pool, func(ctx context.Context, tx pgx.Tx, c news.Change) error {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.failHook {
			return errors.New("hook failed")
		}
		f.changes = append(f.changes, c)
		return nil
	}, news.WithMailer(outbox.NewsMailer(), "http://partners.test/"))
	f.ecpat = f.orgID(t, "ecpat-luxembourg")
	f.sahel = f.orgID(t, "sahel-eau-vive")
	f.owner = f.user(t, "owner@ecpat.test", "Olga Owner", "", f.ecpat, "owner")
	f.editor = f.user(t, "editor@ecpat.test", "Eddy Editor", "", f.ecpat, "editor")
	f.stranger = f.user(t, "editor@sahel.test", "Sam Stranger", "", f.sahel, "editor")
	f.staff = f.user(t, "staff@partners.test", "Stella Staff", "staff", 0, "")
	f.admin = f.user(t, "admin@partners.test", "Ada Admin", "admin", 0, "")
	return f
}

func (f *fixture) orgID(t *testing.T, slug string) int64 {
	t.Helper()
	return int64(f.count(t, `SELECT id FROM organisations WHERE slug = $1`, slug))
}

// user makes a user whose address is proven, with a platform role ("" for
// none) and, with orgID, a membership, and returns them as an actor.
func (f *fixture) user(t *testing.T, email, name, role string, orgID int64, orgRole string) audit.Actor {
	t.Helper()
	var id int64
	if err := f.pool.QueryRow(context.Background(), `INSERT INTO users (email, name, role, email_verified_at) VALUES ($1, $2, NULLIF($3, ''), now()) RETURNING id`,
		email, name, role).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if orgID != 0 {
		f.exec(t, `INSERT INTO memberships (user_id, organisation_id, role) VALUES ($1, $2, $3)`, id, orgID, orgRole)
	}
	return audit.Actor{UserID: id, Label: email}
}

func (f *fixture) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if _, err := f.pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// id returns the id of the row a query names.
func (f *fixture) id(t *testing.T, sql string, args ...any) int64 {
	t.Helper()
	return int64(f.count(t, sql, args...))
}

func (f *fixture) hookCalls() []news.Change {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]news.Change(nil), f.changes...)
}

// input is a valid article in French.
func input(title string) news.Input {
	return news.Input{FR: news.Text{Title: title, Lead: "Un chapô.", Body: "Un *texte* en Markdown."}}
}

// create makes a draft of ECPAT Luxembourg by its editor.
func (f *fixture) create(t *testing.T, in news.Input) news.Saved {
	t.Helper()
	s, err := f.store.Create(context.Background(), f.editor, f.ecpat, in)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// at returns an article of ECPAT Luxembourg in status, through the
// workflow (an untrusted organisation).
func (f *fixture) at(t *testing.T, status string) news.Saved {
	t.Helper()
	ctx := context.Background()
	s := f.create(t, input("Article "+status+" "+fmt.Sprint(time.Now().UnixNano())))
	step := func(saved news.Saved, err error) news.Saved {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return saved
	}
	if status == news.StatusDraft {
		return s
	}
	s = step(f.store.Submit(ctx, f.editor, s.ID))
	if status == news.StatusSubmitted {
		return s
	}
	s = step(f.store.Approve(ctx, f.staff, s.ID, s.Version))
	if status == news.StatusPublished {
		return s
	}
	return step(f.store.Withdraw(ctx, f.editor, s.ID))
}

// publishAt puts a published article of orgID online directly, dated at,
// in the languages of texts (lang → title), with themes and countries.
func (f *fixture) publishAt(t *testing.T, orgID int64, at time.Time, texts map[string]string, themes, countries []string) news.Saved {
	t.Helper()
	in := news.Input{PublishedAt: &at, ThemeSlugs: themes, Countries: countries}
	for lang, title := range texts {
		x := news.Text{Title: title, Body: "Corps de " + title}
		if lang == "en" {
			in.EN = x
		} else {
			in.FR = x
		}
	}
	var s news.Saved
	err := postgres.InTx(context.Background(), f.pool, func(tx pgx.Tx) error {
		var err error
		s, err = f.store.ImportTx(context.Background(), tx, audit.System("test"), orgID, news.Import{Input: in, Publish: true})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// wantKind fails t unless err is of kind.
func wantKind(t *testing.T, what string, err error, kind fault.Kind) {
	t.Helper()
	if fault.KindOf(err) != kind {
		t.Fatalf("%s: error %v, want %s", what, err, kind)
	}
}

// wantFields fails t unless err is Invalid with exactly these field
// messages.
func wantFields(t *testing.T, what string, err error, want map[string]string) {
	t.Helper()
	if fault.KindOf(err) != fault.Invalid {
		t.Errorf("%s: error %v, want invalid %v", what, err, want)
		return
	}
	got := fault.FieldsOf(err)
	if len(got) != len(want) {
		t.Errorf("%s: fields %v, want %v", what, got, want)
		return
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: fields %v, want %v", what, got, want)
			return
		}
	}
}

func has(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// auditDetails returns the details of the last entry of action on article id.
func (f *fixture) auditDetails(t *testing.T, action string, id int64) string {
	t.Helper()
	var d string
	if err := f.pool.QueryRow(context.Background(), `SELECT details::text FROM audit_log WHERE action = $1 AND entity_id = $2
		ORDER BY id DESC LIMIT 1`, action, id).Scan(&d); err != nil {
		t.Fatal(err)
	}
	return d
}
