package web_test

import (
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/app"
	"github.com/partnerdir/partnerdir/internal/app/apptest"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/joining"
	"github.com/partnerdir/partnerdir/internal/offers"
	"github.com/partnerdir/partnerdir/internal/search"
)

// The handler tests serve the program built by the one wiring
// (internal/app, through apptest) over a fresh database holding the demo
// data; none of them starts the job workers, so jobs wait in their tables
// where a test can count them.

// newTestServer returns the real engine.
func newTestServer(t testing.TB) *gin.Engine {
	t.Helper()
	return engine(apptest.New(t, apptest.Setup{}))
}

func engine(a *app.App) *gin.Engine { return a.Handler.(*gin.Engine) }

// offersFixture is the real engine with the donor's offer form.
type offersFixture struct {
	pool   *pgxpool.Pool
	h      *gin.Engine
	acc    *accounts.Store
	offers *offers.Store
}

func newOffersFixture(t *testing.T) *offersFixture {
	t.Helper()
	limits := offers.DefaultLimits()
	limits.MinFillTime = 0
	a := apptest.New(t, apptest.Setup{Options: app.Options{OfferLimits: &limits}})
	return &offersFixture{pool: a.Pool, h: engine(a), acc: a.Accounts, offers: a.Offers}
}

// accountsFixture is the real engine with the page cache on, for tests of
// accounts, self-service, administration and joining; its directory mails
// review decisions through the outbox, as the program does.
type accountsFixture struct {
	h    *gin.Engine
	acc  *accounts.Store
	dir  *directory.Store
	join *joining.Store
	pool *pgxpool.Pool
}

func newAccountsFixture(t *testing.T, opts ...accounts.Option) *accountsFixture {
	t.Helper()
	a := apptest.New(t, apptest.Setup{Env: map[string]string{"PAGE_CACHE_SIZE": "100"}, Options: app.Options{Accounts: opts}})
	return &accountsFixture{h: engine(a), acc: a.Accounts, dir: a.Directory, join: a.Joining, pool: a.Pool}
}

// indexJobs is how many index jobs were enqueued for organisation id.
func (f *accountsFixture) indexJobs(t *testing.T, id int64) int {
	t.Helper()
	return f.count(t, `SELECT count(*) FROM river_job WHERE kind = 'index_organisation' AND (args->>'organisation_id')::bigint = $1`, id)
}

// searchServer is the real engine over the demo data, with search served
// from a per-test Meilisearch index, or by an instance whose Meilisearch
// is unreachable.
type searchServer struct {
	h       *gin.Engine
	pool    *pgxpool.Pool
	indexer *search.Indexer
}

// newSearchServer indexes the demo data; with meiliDown it serves from a
// second instance on the same database whose MEILI_URL is a closed port,
// and whose fallback uses fallbackPool when not nil.
func newSearchServer(t *testing.T, meiliDown bool, fallbackPool *pgxpool.Pool) *searchServer {
	t.Helper()
	// A generous deadline: the machine is shared, and a fallback answer
	// would change what the tests see.
	a := apptest.New(t, apptest.Setup{Options: app.Options{SearchTimeout: 5 * time.Second}})
	apptest.Index(t, a)
	serving := a
	if meiliDown {
		serving = apptest.New(t, apptest.Setup{NoDemo: true,
			Env:     map[string]string{"DATABASE_URL": a.Config.DatabaseURL, "MEILI_URL": "http://127.0.0.1:1", "MEILI_INDEX": a.Config.MeiliIndex},
			Options: app.Options{FallbackPool: fallbackPool}})
	}
	return &searchServer{h: engine(serving), pool: a.Pool, indexer: a.Indexer}
}
