// Package app wires Partnerdir once: from a config.Config it opens the
// database pool and builds the domain stores, the mail outbox, the search
// service, the River client with every worker and periodic job, and the
// HTTP handler. `partnerdir serve`, the other commands, the browser tests
// and the handler tests all build the program here, so what serve runs is
// what the tests run.
package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/config"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/importing"
	"github.com/partnerdir/partnerdir/internal/invalidate"
	"github.com/partnerdir/partnerdir/internal/jobs"
	"github.com/partnerdir/partnerdir/internal/joining"
	"github.com/partnerdir/partnerdir/internal/locale"
	"github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/metrics"
	"github.com/partnerdir/partnerdir/internal/news"
	"github.com/partnerdir/partnerdir/internal/newsletter"
	"github.com/partnerdir/partnerdir/internal/offers"
	"github.com/partnerdir/partnerdir/internal/postgres"
	"github.com/partnerdir/partnerdir/internal/pseudonym"
	"github.com/partnerdir/partnerdir/internal/search"
	"github.com/partnerdir/partnerdir/internal/suggestions"
	"github.com/partnerdir/partnerdir/internal/web"
	searchdef "github.com/partnerdir/partnerdir/search"
	webfiles "github.com/partnerdir/partnerdir/web"
)

// Options are what a caller may change in the wiring beyond the
// configuration. The zero value is what `partnerdir serve` runs; tests set
// only what they must.
type Options struct {
	// Logger receives every log line; nil: text (development) or JSON
	// (production) on stderr.
	Logger *slog.Logger
	// Files is the web/ tree (templates, static files, locales); nil: the
	// embedded one.
	Files fs.FS
	// Accounts are extra options of the accounts store (tests: fast
	// password hashing, other login limits).
	Accounts []accounts.Option
	// OfferLimits replace offers.DefaultLimits (tests: no minimum fill
	// time for a browser driven by a program).
	OfferLimits *offers.Limits
	// SearchTimeout is Meilisearch's query deadline (0: the service's
	// default, 300 ms).
	SearchTimeout time.Duration
	// FallbackPool is the database of the search fallback (nil: the
	// program's pool); a test points it at a closed port to see both
	// engines fail.
	FallbackPool *pgxpool.Pool
	// IndexBackoff bounds the index worker's retry delay (0: its default).
	IndexBackoff time.Duration
	// PollInterval bounds how long an inserted job waits for a worker (0:
	// River's default).
	PollInterval time.Duration
	// APILimit is the JSON API's per-client rate (zero: its default);
	// tests make it small to see the 429.
	APILimit web.RateLimit
	// ListenerName is the change listener's application_name (empty:
	// invalidate.DefaultName); a test running two programs on one
	// database tells them apart by it.
	ListenerName string
}

// App is the built program. Build makes it; Start runs its background
// parts; Close releases it.
type App struct {
	Config config.Config
	Log    *slog.Logger
	Pool   *pgxpool.Pool
	// Jobs inserts jobs (in the caller's transaction); Workers is the
	// client that works them, started by Start.
	Jobs    *jobs.Client
	Workers *jobs.Client

	// Locale translates pages and mails (web/locales).
	Locale *locale.Translator
	Outbox *mail.Outbox
	// Pseudonyms hide client addresses wherever they are kept.
	Pseudonyms pseudonym.Hasher
	Directory  *directory.Store
	Accounts   *accounts.Store
	Offers     *offers.Store
	Joining    *joining.Store
	// News holds partner articles: written and submitted at /manage,
	// reviewed at /staff/news, shown on the public pages; every write
	// enqueues the article's index job.
	News *news.Store
	// Newsletter holds the newsletter's subscribers and sends its digests.
	Newsletter *newsletter.Store
	// Importer imports organisations in bulk (import csv, /admin/import)
	// through the directory's own writes.
	Importer *importing.Engine
	// Suggestions holds visitors' suggestions of a correction.
	Suggestions *suggestions.Store

	Meili   *search.Meili
	Indexer *search.Indexer
	Search  *search.Service

	// Changes hears of writes made through any instance (PostgreSQL
	// notifications) and invalidates the page cache, the counts and the
	// search answers; Listen (or Start) runs it.
	Changes *invalidate.Listener

	// Handler serves every route.
	Handler http.Handler
	// Metrics is the program's one Prometheus registry; `serve` puts its
	// Handler on METRICS_ADDR, never on Handler's routes.
	Metrics *metrics.Metrics

	retention offers.Retention
	// personal is PERSONAL_DATA_RETENTION.
	personal accounts.Retention
	started  bool
	// stopListening ends Listen's goroutine and waits for it.
	stopListening func()
}

// Build wires the program from cfg. The database must be migrated (run
// `partnerdir migrate up`); nothing is started and no mail or search
// request is made until Start.
func Build(ctx context.Context, cfg config.Config, o Options) (_ *App, err error) {
	a := &App{Config: cfg, Log: o.Logger, retention: offers.Retention{Closed: cfg.RetentionClosed, Spam: cfg.RetentionSpam}}
	if a.Log == nil {
		a.Log = newLogger(cfg)
	}
	a.personal = accounts.Retention{Period: cfg.PersonalDataRetention}
	files := o.Files
	if files == nil {
		files = webfiles.FS
	}
	if a.Pool, err = postgres.Open(ctx, cfg.DatabaseURL); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			a.Pool.Close()
		}
	}()
	if err := a.checkSchema(ctx); err != nil {
		return nil, err
	}
	a.buildMetrics()
	if err := a.buildChanges(o); err != nil {
		return nil, err
	}
	if a.Jobs, err = jobs.NewInserter(a.Pool); err != nil {
		return nil, err
	}
	// One translator for pages and mails, from the locale files.
	if a.Locale, err = locale.New(files); err != nil {
		return nil, err
	}
	if err := a.buildStores(o, files); err != nil {
		return nil, err
	}
	if err := a.buildSearch(o); err != nil {
		return nil, err
	}
	// What other instances change reaches the counts and the search
	// answers as it reaches the page cache.
	a.Directory.Follow(a.Changes.Generation)
	a.News.Follow(a.Changes.Generation)
	a.Changes.Follow(a.Search.Invalidate)
	if a.Workers, err = a.buildWorkers(o); err != nil {
		return nil, err
	}
	if a.Handler, err = a.buildHandler(ctx, files, o); err != nil {
		return nil, err
	}
	return a, nil
}

// buildMetrics makes the program's registry and the collectors that read
// the database on each scrape (pool, outbox, River's jobs); the hooks are
// handed to the search service, the mail worker and the web layer as they
// are built.
func (a *App) buildMetrics() {
	a.Metrics = metrics.New(a.Log)
	a.Metrics.WatchPool(a.Pool)
	a.Metrics.WatchOutbox(a.Pool)
	a.Metrics.WatchJobs(a.Pool)
}

// buildChanges makes the change listener over its own connection to
// DATABASE_URL; Listen runs it.
func (a *App) buildChanges(o Options) error {
	var err error
	a.Changes, err = invalidate.New(a.Config.DatabaseURL, invalidate.Options{Logger: a.Log, Name: o.ListenerName,
		Notified: a.Metrics.InvalidationNotified, Lost: a.Metrics.InvalidationLost})
	if err != nil {
		return err
	}
	a.Metrics.WatchInvalidation(a.Changes.Live)
	return nil
}

// newLogger is the program's logger for cfg: text in development, JSON in
// production, on stderr.
func newLogger(cfg config.Config) *slog.Logger {
	if cfg.Production() {
		return slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, nil))
}

// checkSchema refuses a database whose migrations are not all applied: the
// program would fail later, on some page, with a less clear error.
func (a *App) checkSchema(ctx context.Context) error {
	m, err := postgres.NewMigrator(a.Pool)
	if err != nil {
		return err
	}
	pending, err := m.Pending(ctx)
	if err != nil {
		return err
	}
	if pending {
		return errors.New("the database schema is not up to date: run partnerdir migrate up")
	}
	return nil
}

func (a *App) buildStores(o Options, files fs.FS) error {
	cfg := a.Config
	base := cfg.BaseURL.String()
	mails, err := mail.NewRenderer(files, a.Locale)
	if err != nil {
		return err
	}
	if a.Outbox, err = mail.NewOutbox(a.Jobs, cfg.MailFrom, mails); err != nil {
		return err
	}
	a.Directory = directory.NewStore(a.Pool, a.enqueueIndex, directory.WithMailer(a.Outbox.DirectoryMailer(), base),
		directory.WithVerificationValidity(cfg.VerificationValidity),
		// A merge moves the rows each package owns in its one transaction.
		directory.WithMovers(directory.Mover{Kind: "memberships", Move: accounts.MoveMemberships},
			directory.Mover{Kind: "offers", Move: offers.MoveOffers}, directory.Mover{Kind: "articles", Move: news.MoveArticles},
			directory.Mover{Kind: "suggestions", Move: suggestions.MoveSuggestions},
			directory.Mover{Kind: "claims", Move: joining.MoveClaims}))
	secret := offersSecret(cfg)
	ips, err := pseudonym.New(secret)
	if err != nil {
		return err
	}
	a.Pseudonyms = ips
	a.Accounts = accounts.NewStore(a.Pool, append([]accounts.Option{accounts.WithMail(a.Outbox, base), accounts.WithPseudonyms(ips),
		accounts.WithTOTPKeys(totpKeys(cfg, a.Log)...)}, o.Accounts...)...)
	limits := offers.DefaultLimits()
	if o.OfferLimits != nil {
		limits = *o.OfferLimits
	}
	if a.Offers, err = offers.NewStore(a.Pool, offers.Config{
		Outbox:      a.Outbox,
		Secret:      secret,
		Pseudonyms:  ips,
		TriageEmail: cfg.TriageEmail,
		BaseURL:     base,
		Limits:      limits,
		// OFFER_RESPONSE_TARGET, counted in working days.
		ResponseTarget: cfg.ResponseTarget,
	}); err != nil {
		return err
	}
	// An erased user's label leaves the offers' notes and history too.
	a.Accounts.OnErase(a.Offers.ForgetUserTx)
	a.Joining = joining.NewStore(a.Pool, joining.Config{Directory: a.Directory, Accounts: a.Accounts, Outbox: a.Outbox, BaseURL: base, Pseudonyms: ips})
	a.News = news.NewStore(a.Pool, a.articleChanged, news.WithMailer(a.Outbox.NewsMailer(), base))
	a.Importer = importing.New(a.Directory, a.Pool)
	if err := a.buildNewsletter(secret); err != nil {
		return err
	}
	return a.buildSuggestions()
}

// buildSuggestions makes the suggestions' store and ties the suggester's
// email to the GDPR machinery: a donor's export and erasure, and the daily
// personal-data retention (emails of decided suggestions go after
// PERSONAL_DATA_RETENTION).
func (a *App) buildSuggestions() error {
	var err error
	if a.Suggestions, err = suggestions.NewStore(a.Pool, suggestions.Config{Outbox: a.Outbox,
		BaseURL: a.Config.BaseURL.String(), Pseudonyms: a.Pseudonyms, Retention: a.personal.Period}); err != nil {
		return err
	}
	a.Offers.AddDonorData(offers.DonorData{Name: "suggestions",
		Export: func(ctx context.Context, email string) (any, error) {
			x, err := a.Suggestions.Export(ctx, email)
			if len(x) == 0 {
				return nil, err // no suggestion: no part in the export
			}
			return x, err
		},
		Erase: a.Suggestions.EraseTx})
	a.Accounts.OnPurge(accounts.PurgeStep{Name: "suggestion_emails",
		One:   "suggester email of a decided suggestion removed",
		Other: "suggester emails of decided suggestions removed", Run: a.Suggestions.Purge})
	return nil
}

// buildNewsletter makes the newsletter's store and ties it to the GDPR
// machinery: a donor's export and erasure, an account's erasure and the
// daily personal-data retention (sign-ups never confirmed go after 7
// days).
func (a *App) buildNewsletter(secret []byte) error {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("partnerdir newsletter unsubscribe key"))
	var err error
	if a.Newsletter, err = newsletter.NewStore(a.Pool, newsletter.Config{
		Outbox: a.Outbox, BaseURL: a.Config.BaseURL.String(), Key: m.Sum(nil), Pseudonyms: a.Pseudonyms,
		Schedule: DigestCalendar(a.Config), Limits: newsletter.DefaultLimits(),
	}); err != nil {
		return err
	}
	a.Offers.AddDonorData(offers.DonorData{Name: "newsletter",
		Export: func(ctx context.Context, email string) (any, error) {
			x, err := a.Newsletter.Export(ctx, email)
			if x == nil {
				return nil, err // no subscription: no part in the export
			}
			return x, err
		},
		Erase: a.Newsletter.EraseTx})
	a.Accounts.OnErase(a.Newsletter.ForgetUserTx)
	a.Accounts.OnPurge(accounts.PurgeStep{Name: "newsletter_unconfirmed",
		One:   "newsletter sign-up never confirmed within 7 days deleted",
		Other: "newsletter sign-ups never confirmed within 7 days deleted", Run: a.Newsletter.PurgeUnconfirmed})
	return nil
}

// DigestCalendar is the newsletter's schedule: NEWSLETTER_DIGEST's days at
// DAILY_JOBS_AT in DAILY_JOBS_TZ. When NEWSLETTER_DIGEST is off it is the
// default monthly one, which names the periods of `news digest --now`.
func DigestCalendar(cfg config.Config) jobs.Calendar {
	at := jobs.DailyAt(cfg.DailyJobsAt.Hour, cfg.DailyJobsAt.Minute, cfg.DailyJobsAt.Location)
	switch d := cfg.NewsletterDigest; d.Every {
	case "day":
		return jobs.EveryDay(at)
	case "week":
		return jobs.Weekly(d.Weekday, at)
	case "month":
		return jobs.Monthly(d.Day, at)
	}
	return jobs.Monthly(1, at)
}

// articleChanged is the news store's change hook, run in the transaction
// of every article write: the article's index job commits or rolls back
// with the change. The job reads the article when it runs: published (and
// its organisation too) → upserted, anything else → deleted from the
// index.
func (a *App) articleChanged(ctx context.Context, tx pgx.Tx, c news.Change) error {
	job := jobs.IndexDocument{Index: string(search.Articles), ID: c.ArticleID}
	if _, err := a.Jobs.InsertTx(ctx, tx, job, nil); err != nil {
		return fmt.Errorf("enqueue article index job: %w", err)
	}
	return nil
}

// enqueueIndex is the directory's change hook: the index jobs commit or
// roll back with the change that caused them — the organisation's own
// document, and its articles', which carry its name, its people and its
// status (a suspended organisation's articles leave the index).
func (a *App) enqueueIndex(ctx context.Context, tx pgx.Tx, organisationID int64) error {
	a.News.OrganisationChanged() // its articles' counts follow its status
	for _, job := range []jobs.IndexDocument{
		{Index: string(search.Organisations), ID: organisationID},
		{Index: string(search.Articles), OrganisationID: organisationID},
	} {
		if _, err := a.Jobs.InsertTx(ctx, tx, job, nil); err != nil {
			return fmt.Errorf("enqueue index job: %w", err)
		}
	}
	return nil
}

// offersSecret derives the key that signs offer forms and keys the
// pseudonyms of client addresses (the offers' ip_hash, limits, audit
// entries) from the first session key, so every instance agrees on it.
// Without session keys (development only) it is random per process.
func offersSecret(cfg config.Config) []byte {
	if len(cfg.SessionKeys) == 0 {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		return b
	}
	m := hmac.New(sha256.New, cfg.SessionKeys[0].Auth)
	m.Write([]byte("partnerdir offers form and IP hash key"))
	return m.Sum(nil)
}

// totpKeys are TOTP_KEYS, which seal two-factor secrets. Without them
// (development only: config requires them in production) the key is
// derived from the first session key, so restarts agree on it, or else is
// random per process: secrets enrolled then no longer open after a
// restart.
func totpKeys(cfg config.Config, log *slog.Logger) []accounts.TOTPKey {
	var keys []accounts.TOTPKey
	for _, k := range cfg.TOTPKeys {
		keys = append(keys, accounts.TOTPKey(k))
	}
	if len(keys) > 0 {
		return keys
	}
	var k accounts.TOTPKey
	if len(cfg.SessionKeys) == 0 {
		log.Warn("TOTP_KEYS and SESSION_KEYS are not set: two-factor secrets are sealed under a key of this process only")
		_, _ = rand.Read(k[:])
		return []accounts.TOTPKey{k}
	}
	log.Warn("TOTP_KEYS is not set: two-factor secrets are sealed under a key derived from SESSION_KEYS (development only)")
	m := hmac.New(sha256.New, cfg.SessionKeys[0].Auth)
	m.Write([]byte("partnerdir development TOTP key"))
	copy(k[:], m.Sum(nil))
	return []accounts.TOTPKey{k}
}

func (a *App) buildSearch(o Options) error {
	defs, err := search.LoadDefinitions(searchdef.FS)
	if err != nil {
		return err
	}
	// MEILI_INDEX is the organisations index; the articles index is
	// MEILI_INDEX_articles.
	a.Meili = search.NewMeili(search.MeiliConfig{
		URL: a.Config.MeiliURL, MasterKey: a.Config.MeiliMasterKey, Index: a.Config.MeiliIndex,
		Definitions: defs, Logger: a.Log,
	})
	a.Indexer = search.NewIndexer(a.Pool, a.Directory, a.Meili, search.IndexerOptions{Logger: a.Log})
	fallback := o.FallbackPool
	if fallback == nil {
		fallback = a.Pool
	}
	a.Search = search.NewService(a.Meili, search.NewFallback(fallback), search.ServiceOptions{Timeout: o.SearchTimeout, Logger: a.Log,
		Observe: a.Metrics.SearchAnswered, CacheBytes: a.Config.SearchCacheBytes, CacheLookup: a.Metrics.SearchCacheLookup})
	a.Metrics.WatchSearchBreaker(a.Search.Breaker)
	a.Metrics.WatchSearchCache(a.Search.CacheHeld)
	return nil
}

// buildWorkers registers every worker and periodic job on one working
// client: index sync and the index check, mail delivery (SMTP_URL,
// MAIL_FROM), the offers' retention, the stale-profile reminders, the
// personal data's retention, the newsletter's digests.
func (a *App) buildWorkers(o Options) (*jobs.Client, error) {
	sender, err := mail.NewSMTP(a.Config.SMTPURL, a.Config.MailFrom)
	if err != nil {
		return nil, err
	}
	workers := river.NewWorkers()
	indexWorker := search.NewWorker(a.Indexer, o.IndexBackoff)
	for _, add := range []func() error{
		func() error { return river.AddWorkerSafely(workers, indexWorker) },
		func() error { return river.AddWorkerSafely(workers, search.NewLegacyWorker(indexWorker)) },
		func() error { return river.AddWorkerSafely(workers, search.NewCheckWorker(a.Indexer)) },
		func() error {
			return river.AddWorkerSafely(workers, mail.NewWorker(a.Pool, sender, a.Log, mail.WithOutcomes(a.Metrics.MailDelivered)))
		},
		func() error {
			return river.AddWorkerSafely(workers, offers.NewPurgeWorker(a.Offers, a.retention, a.Log))
		},
		func() error { return river.AddWorkerSafely(workers, joining.NewRemindWorker(a.Joining, a.Log)) },
		func() error {
			return river.AddWorkerSafely(workers, accounts.NewRetentionWorker(a.Accounts, a.personal, a.Log))
		},
		func() error { return river.AddWorkerSafely(workers, newsletter.NewDigestWorker(a.Newsletter, a.Log)) },
	} {
		if err := add(); err != nil {
			return nil, err
		}
	}
	// The index check every minute; the daily jobs at DAILY_JOBS_AT in
	// DAILY_JOBS_TZ.
	at := a.Config.DailyJobsAt
	daily := jobs.DailyAt(at.Hour, at.Minute, at.Location)
	periodic := []*river.PeriodicJob{search.CheckPeriodic(), offers.PurgePeriodic(daily), joining.RemindPeriodic(daily),
		jobs.Periodic(daily, jobs.PurgePersonalData{})}
	// The newsletter's digest on NEWSLETTER_DIGEST's days (none when off).
	if a.Config.NewsletterDigest.Every != "" {
		periodic = append(periodic, jobs.Periodic(a.Newsletter.Schedule(), jobs.SendDigests{}))
	}
	return jobs.NewWorking(a.Pool, jobs.Options{Workers: workers, Periodic: periodic, Logger: a.Log, PollInterval: o.PollInterval})
}

func (a *App) buildHandler(ctx context.Context, files fs.FS, o Options) (http.Handler, error) {
	cfg := a.Config
	srv, err := web.New(ctx, web.Deps{
		Logger:         a.Log,
		BaseURL:        cfg.BaseURL,
		Secure:         cfg.SecureCookies(),
		Directory:      a.Directory,
		TrustedProxies: cfg.TrustedProxies,
		Files:          files,
		Locale:         a.Locale,
		Search:         a.Search,
		Accounts:       a.Accounts,
		SessionKeys:    sessionKeys(cfg.SessionKeys),
		UploadDir:      cfg.UploadDir,
		Offers:         a.Offers,
		PageCacheBytes: cfg.PageCacheBytes,
		Changes:        a.Changes,
		Joining:        a.Joining,
		News:           a.News,
		Newsletter:     a.Newsletter,
		APILimit:       o.APILimit,
		Importer:       a.Importer,
		Meter:          a.Metrics,
		Suggestions:    a.Suggestions,
		Checks: []web.Check{
			{Name: "postgres", Required: true, Probe: a.Pool.Ping},
			{Name: "meilisearch", Probe: a.Search.Probe},
		},
	})
	if err != nil {
		return nil, err
	}
	a.Metrics.WatchPageCache(srv.CachedPages)
	return srv.Handler(), nil
}

// sessionKeys flattens the configured pairs, newest first, into the
// alternating authentication/encryption keys gorilla/sessions expects.
func sessionKeys(pairs []config.SessionKeyPair) [][]byte {
	var keys [][]byte
	for _, p := range pairs {
		keys = append(keys, p.Auth, p.Encrypt)
	}
	return keys
}

// Retention is OFFER_RETENTION and OFFER_SPAM_RETENTION.
func (a *App) Retention() offers.Retention { return a.retention }

// PersonalDataRetention is PERSONAL_DATA_RETENTION.
func (a *App) PersonalDataRetention() accounts.Retention { return a.personal }

// Start runs the background parts until ctx ends or Close: first it seals
// the two-factor secrets still in clear or under an older key
// (SealTOTPSecrets), then it starts Meilisearch's set-up (in the
// background: the PostgreSQL fallback answers meanwhile) and the job
// workers.
func (a *App) Start(ctx context.Context) error {
	if err := a.SealTOTPSecrets(ctx); err != nil {
		return err
	}
	a.Listen(ctx)
	go a.Meili.Run(ctx)
	if err := a.Workers.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start job workers: %w", err)
	}
	a.started = true
	return nil
}

// Listen runs the change listener until ctx ends or Close; until it is
// live the page cache serves nothing. Start calls it; a handler test that
// does not Start calls it alone. A second call does nothing.
func (a *App) Listen(ctx context.Context) {
	if a.stopListening != nil {
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.Changes.Run(ctx)
	}()
	a.stopListening = func() {
		cancel()
		<-done
	}
}

// SealTOTPSecrets seals every two-factor secret under the newest key of
// TOTP_KEYS and logs what it did and what needs an operator.
func (a *App) SealTOTPSecrets(ctx context.Context) error {
	r, err := a.Accounts.SealTOTPSecrets(ctx)
	if err != nil {
		return err
	}
	if r.Sealed+r.Resealed+r.PendingCleared > 0 {
		a.Log.Info("two-factor secrets sealed under the newest TOTP key", "sealed", r.Sealed, "resealed", r.Resealed,
			"pending_cleared", r.PendingCleared)
	}
	if len(r.Unreadable) > 0 {
		a.Log.Error("two-factor secrets sealed under no key of TOTP_KEYS: put the dropped key back", "users", r.Unreadable)
	}
	for id, n := range r.RecoveryByOlderKey {
		a.Log.Info("unused recovery codes still need an older TOTP key: keep it in TOTP_KEYS", "key_id", id, "codes", n)
	}
	if r.RecoveryByUnknownKey > 0 {
		a.Log.Warn("unused recovery codes were made under a key no longer in TOTP_KEYS and no longer verify",
			"codes", r.RecoveryByUnknownKey)
	}
	return nil
}

// Close lets running jobs finish for up to 20 s, then cancels them (they
// are retried), stops the change listener and closes the pool.
func (a *App) Close() {
	if a.stopListening != nil {
		a.stopListening()
		a.stopListening = nil
	}
	if a.started {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		if err := a.Workers.Stop(ctx); err != nil {
			_ = a.Workers.StopAndCancel(context.Background())
		}
		cancel()
	}
	a.Pool.Close()
}
