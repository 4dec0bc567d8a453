package news

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/memo"
	"github.com/partnerdir/partnerdir/internal/postgres"
	"github.com/partnerdir/partnerdir/internal/richtext"
)

// Store reads and writes articles in PostgreSQL.
type Store struct {
	pool *pgxpool.Pool
	// afterChange runs inside every transaction that changes an article,
	// so what follows from the change (the search index job) commits or
	// rolls back with it.
	afterChange ChangeHook
	policy      *richtext.Policy
	mailer      Mailer
	baseURL     string
	now         func() time.Time
	// gen counts the writes through this Store (Generation).
	gen atomic.Uint64
	// counts holds the public list's totals and facet counts, which scan
	// every published article (about a second at 300,000), where a page
	// itself needs a few milliseconds. Writes through this Store
	// invalidate it; see memo for how late a count can be.
	counts *memo.Cache[any]
}

// countTTL is how long a count of the public list is served before it is
// recomputed in the background.
const countTTL = 30 * time.Second

// Generation changes whenever an article changes through this Store:
// caches of what it reads (the web layer's rendered pages) compare it. It
// moves inside the write's transaction and again once it has ended, so a
// page read before the commit is never kept as current.
func (s *Store) Generation() uint64 { return s.gen.Load() }

// Follow makes the counts follow gen, the generation of changes made by
// other processes (internal/invalidate): each move recomputes them.
func (s *Store) Follow(gen func() uint64) { s.counts.Follow(gen) }

// OrganisationChanged records that an organisation changed elsewhere (the
// directory): its articles may have joined or left the public list, so
// the counts are recomputed. Called inside the change's transaction, a
// count read meanwhile may keep the old figure for countTTL.
func (s *Store) OrganisationChanged() { s.bump() }

// bump records a write: Generation moves and the counts are recomputed.
func (s *Store) bump() {
	s.gen.Add(1)
	s.counts.Invalidate()
}

// Change says which article a write changed, and whose it is.
type Change struct {
	ArticleID      int64
	OrganisationID int64
}

// ChangeHook is called with the transaction of every write and the article
// it changed — created, edited, moved to another status or deleted. It
// decides what to do from the article's state at commit (index a published
// article, remove any other from the index).
type ChangeHook func(ctx context.Context, tx pgx.Tx, c Change) error

// Mailer stores m in the caller's transaction (the mail outbox), so the
// mail exists exactly when the decision commits.
type Mailer func(ctx context.Context, tx pgx.Tx, m Mail) error

// Option tunes a Store.
type Option func(*Store)

// WithMailer lets the store mail authors (an article sent back) through
// send, with links under baseURL (the site's address).
func WithMailer(send Mailer, baseURL string) Option {
	return func(s *Store) { s.mailer, s.baseURL = send, strings.TrimSuffix(baseURL, "/") }
}

// WithRichText replaces the policy bodies are rendered and checked with
// (the default accepts images under DefaultUploadsPrefix).
func WithRichText(p *richtext.Policy) Option { return func(s *Store) { s.policy = p } }

// DefaultUploadsPrefix is where the platform serves uploaded files.
const DefaultUploadsPrefix = "/uploads/"

// ErrNoMailer means a decision needs a mail and the store has no mailer.
var ErrNoMailer = errors.New("news: mail is not configured")

// NewStore returns a store over pool. afterChange may be nil.
func NewStore(pool *pgxpool.Pool, afterChange ChangeHook, opts ...Option) *Store {
	p, err := richtext.New(DefaultUploadsPrefix)
	if err != nil {
		panic(err) // DefaultUploadsPrefix is a valid prefix
	}
	s := &Store{pool: pool, afterChange: afterChange, policy: p, now: time.Now, counts: memo.New[any](countTTL)}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Render renders and checks a Markdown body as a save would, for a preview:
// the HTML (safe whatever the text) and the message ids of what a save
// would refuse.
func (s *Store) Render(markdown string) (string, []string) {
	html, problems := s.policy.Render(markdown)
	ids := make([]string, len(problems))
	for i, p := range problems {
		ids[i] = p.ID
	}
	return html, ids
}

func (s *Store) changed(ctx context.Context, tx pgx.Tx, articleID, orgID int64) error {
	s.bump()
	if s.afterChange == nil {
		return nil
	}
	return s.afterChange(ctx, tx, Change{ArticleID: articleID, OrganisationID: orgID})
}

// audience is who may take an action.
type audience int

const (
	editors   audience = 1 << iota // owners and editors of the article's organisation
	reviewers                      // platform staff and admins
	admins                         // platform admins
)

// authorise returns fault.ErrForbidden unless actor belongs to one of who
// for organisation orgID. The system (UserID 0: the seed, the command
// line, imports) may do anything. Memberships and roles belong to the
// accounts package; they are read here so the check holds in the write's
// transaction. A membership counts only once its user proved their
// address, as every membership lookup of the accounts package does.
func authorise(ctx context.Context, tx pgx.Tx, actor audit.Actor, orgID int64, who audience) error {
	if actor.UserID == 0 {
		return nil
	}
	var role string
	var disabled, member bool
	err := tx.QueryRow(ctx, `
		SELECT COALESCE(u.role, ''), u.disabled,
			u.email_verified_at IS NOT NULL AND
				EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.organisation_id = $2)
		FROM users u WHERE u.id = $1`, actor.UserID, orgID).Scan(&role, &disabled, &member)
	if errors.Is(err, pgx.ErrNoRows) || disabled {
		return fault.ErrForbidden
	}
	if err != nil {
		return err
	}
	switch {
	case who&editors != 0 && member,
		who&reviewers != 0 && (role == "staff" || role == "admin"),
		who&admins != 0 && role == "admin":
		return nil
	}
	return fault.ErrForbidden
}

// current is the state of an article a write starts from, its row locked.
type current struct {
	id, orgID        int64
	slug, status     string
	version          int
	trusted          bool
	firstPublished   bool
	authorUserID     int64
	orgSlug, orgName string
	title            string
}

// lock reads article id's state and locks its row until the transaction
// ends, so two writes to one article queue up: the second sees the
// first's outcome. It returns fault.ErrNotFound for an unknown article.
func lock(ctx context.Context, tx pgx.Tx, id int64) (*current, error) {
	c := &current{id: id}
	err := tx.QueryRow(ctx, `
		SELECT a.organisation_id, a.slug, a.status, a.version, o.news_trusted, a.first_published_at IS NOT NULL,
			COALESCE(a.author_user_id, 0), o.slug, o.name,
			COALESCE((SELECT t.title FROM article_translations t WHERE t.article_id = a.id ORDER BY t.lang = 'en' LIMIT 1), '')
		FROM articles a JOIN organisations o ON o.id = a.organisation_id
		WHERE a.id = $1 FOR UPDATE OF a`, id).
		Scan(&c.orgID, &c.slug, &c.status, &c.version, &c.trusted, &c.firstPublished, &c.authorUserID, &c.orgSlug, &c.orgName, &c.title)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fault.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// write runs fn in a transaction.
func (s *Store) write(ctx context.Context, fn func(tx pgx.Tx) error) error {
	defer s.bump()
	return postgres.InTx(ctx, s.pool, fn)
}
