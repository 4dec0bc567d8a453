package search

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meilisearch/meilisearch-go"
)

// ErrNotReady means the Meilisearch index has not been set up yet (keys,
// index and settings); it is being retried in the background.
var ErrNotReady = errors.New("search: meilisearch is not ready")

// MeiliConfig says where Meilisearch is and which indexes to keep.
type MeiliConfig struct {
	URL       string
	MasterKey string
	// Index is MEILI_INDEX: the organisations index's uid, and the prefix
	// of every other index's (Definition.UID); reindex builds
	// <uid>_<time> and swaps it in.
	Index string
	// Definitions are the indexes (LoadDefinitions), organisations first.
	Definitions []*Definition
	Logger      *slog.Logger
}

// Meili is the Meilisearch engine. The master key is used only to obtain
// two derived keys — one that can only search, for queries, and one
// limited to the indexes and their rebuilds, for indexing — and never
// leaves the server.
type Meili struct {
	cfg     MeiliConfig
	log     *slog.Logger
	http    *http.Client
	mu      sync.Mutex // serialises Setup
	clients atomic.Pointer[meiliClients]
	// uids maps each declared index kind to its uid; settings each live
	// uid to its index's settings.
	uids     map[Kind]string
	settings map[string]*meilisearch.Settings
	keys     map[string]string // live uid → primary key
	// recreated is set, per live uid, when the index had to be created
	// while the database may already hold its documents: they need a
	// rebuild (Indexer.CheckIndex).
	recreated map[string]*atomic.Bool
	// gens holds, per live uid, its generation as last read (Generation).
	gens map[string]*generation
}

type meiliClients struct {
	search meilisearch.ServiceManager // search-only key, no retries
	admin  meilisearch.ServiceManager // indexing key
	// master sees tasks that span indexes (a swap), which keys limited to
	// some indexes cannot read. It stays in this process.
	master meilisearch.ServiceManager
}

// NewMeili returns an engine that is not set up yet: call Setup (or Run).
func NewMeili(cfg MeiliConfig) *Meili {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	m := &Meili{cfg: cfg, log: cfg.Logger, http: HTTPClient(), uids: map[Kind]string{},
		settings: map[string]*meilisearch.Settings{}, keys: map[string]string{}, recreated: map[string]*atomic.Bool{},
		gens: map[string]*generation{}}
	for _, d := range cfg.Definitions {
		uid := d.UID(cfg.Index)
		m.uids[d.Kind] = uid
		m.settings[uid] = d.Settings
		m.keys[uid] = cmp.Or(d.PrimaryKey, "id")
		m.recreated[uid] = &atomic.Bool{}
		m.gens[uid] = &generation{}
	}
	return m
}

// HTTPClient is the HTTP client for Meilisearch. It does not ask for
// compressed responses: Meilisearch sends a compressed response's headers
// and body in two writes, and on a kept-alive connection the second waits
// for the client's delayed acknowledgement of the first — 40 ms added to
// most queries (measured: 32 ms on average against 2.6 ms).
func HTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DisableCompression = true
	t.MaxIdleConnsPerHost = 100
	return &http.Client{Transport: t}
}

// Index is MEILI_INDEX, the uid of the live organisations index.
func (m *Meili) Index() string { return m.cfg.Index }

// UID is the uid of the live index of kind k ("" when not declared).
func (m *Meili) UID(k Kind) string { return m.uids[k] }

// Kinds are the declared indexes, in their order.
func (m *Meili) Kinds() []Kind {
	out := make([]Kind, len(m.cfg.Definitions))
	for i, d := range m.cfg.Definitions {
		out[i] = d.Kind
	}
	return out
}

// primaryKey is the documents' id attribute in live index uid.
func (m *Meili) primaryKey(uid string) string { return cmp.Or(m.keys[uid], "id") }

// live lists the live indexes' uids.
func (m *Meili) live() []string {
	out := make([]string, len(m.cfg.Definitions))
	for i, d := range m.cfg.Definitions {
		out[i] = d.UID(m.cfg.Index)
	}
	return out
}

// Ready reports whether Setup has succeeded.
func (m *Meili) Ready() bool { return m.clients.Load() != nil }

// Run calls Setup until it succeeds or ctx ends, backing off up to 30 s,
// so a Meilisearch that is down at start-up is picked up when it returns.
func (m *Meili) Run(ctx context.Context) {
	wait := 500 * time.Millisecond
	for !m.Ready() {
		err := m.Setup(ctx)
		if err == nil {
			m.log.Info("search: meilisearch ready", "index", m.cfg.Index)
			return
		}
		m.log.Warn("search: meilisearch setup failed; retrying", "err", err, "in", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(wait*2, 30*time.Second)
	}
}

// Setup obtains the keys, creates each index if missing and applies its
// settings, waiting for each task. It is idempotent.
func (m *Meili) Setup(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Ready() {
		return nil
	}
	searchKey, adminKey := "", ""
	master := meilisearch.New(m.cfg.URL, meilisearch.WithAPIKey(m.cfg.MasterKey), meilisearch.WithCustomClient(m.http))
	if m.cfg.MasterKey != "" {
		var err error
		if searchKey, err = ensureKey(ctx, master, "search", m.cfg.Index, []string{"search"}, m.live()); err != nil {
			return err
		}
		if adminKey, err = ensureKey(ctx, master, "indexing", m.cfg.Index,
			[]string{"documents.*", "indexes.*", "settings.*", "tasks.get", "stats.get"},
			[]string{m.cfg.Index, m.cfg.Index + "_*"}); err != nil {
			return err
		}
	}
	c := &meiliClients{
		search: meilisearch.New(m.cfg.URL, meilisearch.WithAPIKey(searchKey), meilisearch.DisableRetries(), meilisearch.WithCustomClient(m.http)),
		admin:  meilisearch.New(m.cfg.URL, meilisearch.WithAPIKey(adminKey), meilisearch.WithCustomClient(m.http)),
		master: master,
	}
	for _, uid := range m.live() {
		if err := m.prepareIndex(ctx, c.admin, uid, uid); err != nil {
			return err
		}
	}
	m.clients.Store(c)
	return nil
}

// ensureKey returns the key with a uid derived from role and index,
// creating it (or re-creating it when its rights changed). Meilisearch
// derives a key's value from its uid and the master key, so every instance
// of the app finds the same keys.
func ensureKey(ctx context.Context, master meilisearch.ServiceManager, role, index string, actions, indexes []string) (string, error) {
	uid := keyUID(role, index)
	k, err := master.GetKey(ctx, uid)
	switch {
	case err == nil && slices.Equal(k.Actions, actions) && slices.Equal(k.Indexes, indexes):
		return k.Key, nil
	case err == nil:
		if _, err := master.DeleteKey(ctx, uid); err != nil {
			return "", fmt.Errorf("search: replace %s key: %w", role, err)
		}
	case !isStatus(err, 404):
		return "", fmt.Errorf("search: read %s key: %w", role, err)
	}
	k, err = master.CreateKey(ctx, &meilisearch.Key{
		UID:         uid,
		Name:        "partnerdir-" + role + "-" + index,
		Description: "Partnerdir " + role + " key for index " + index + " (managed by the app)",
		Actions:     actions,
		Indexes:     indexes,
	})
	if err != nil {
		return "", fmt.Errorf("search: create %s key: %w", role, err)
	}
	return k.Key, nil
}

// DeleteKeys removes the keys Setup created for index (tests clean up with
// it).
func DeleteKeys(ctx context.Context, url, masterKey, index string) {
	master := meilisearch.New(url, meilisearch.WithAPIKey(masterKey), meilisearch.WithCustomClient(HTTPClient()))
	for _, role := range []string{"search", "indexing"} {
		_, _ = master.DeleteKey(ctx, keyUID(role, index))
	}
}

func keyUID(role, index string) string {
	h := sha256.Sum256([]byte("partnerdir:" + role + ":" + index))
	h[6] = h[6]&0x0f | 0x40 // version 4 layout, as Meilisearch expects
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// prepareIndex creates uid if missing and applies the settings of the live
// index live (uid itself, or the live index a rebuild replaces).
func (m *Meili) prepareIndex(ctx context.Context, admin meilisearch.ServiceManager, uid, live string) error {
	if _, err := admin.GetIndex(ctx, uid); isStatus(err, 404) {
		t, err := admin.CreateIndex(ctx, &meilisearch.IndexConfig{Uid: uid, PrimaryKey: m.primaryKey(live)})
		if err != nil {
			return fmt.Errorf("search: create index %s: %w", uid, err)
		}
		if err := waitTask(ctx, admin, t.TaskUID); err != nil && !strings.Contains(err.Error(), "index_already_exists") {
			return fmt.Errorf("search: create index %s: %w", uid, err)
		}
		if r := m.recreated[uid]; r != nil {
			r.Store(true)
		}
	} else if err != nil {
		return fmt.Errorf("search: read index %s: %w", uid, err)
	}
	settings := m.settings[live]
	if settings == nil {
		return nil
	}
	t, err := admin.Index(uid).UpdateSettings(ctx, settings)
	if err != nil {
		return fmt.Errorf("search: update settings of %s: %w", uid, err)
	}
	if err := waitTask(ctx, admin, t.TaskUID); err != nil {
		return fmt.Errorf("search: update settings of %s: %w", uid, err)
	}
	m.Changed(uid)
	return nil
}

// EnsureIndex re-creates the live index uid, with its settings, when it has
// gone (deleted by hand, or a Meilisearch that lost its data): adding
// documents to a missing index would create it without settings. created
// reports that the index had to be made, so its documents must be rebuilt
// (TakeRecreated tells Indexer.CheckIndex).
// Keys that no longer work (a Meilisearch with a fresh database) are
// obtained again.
func (m *Meili) EnsureIndex(ctx context.Context, uid string) (created bool, err error) {
	c := m.clients.Load()
	if c == nil {
		return false, ErrNotReady
	}
	_, err = c.admin.GetIndex(ctx, uid)
	switch {
	case err == nil:
		return false, nil
	case isStatus(err, 401) || isStatus(err, 403):
		// The keys were lost with Meilisearch's data: set up again.
		m.clients.CompareAndSwap(c, nil)
		if err := m.Setup(ctx); err != nil {
			return false, err
		}
		return true, nil
	case !isStatus(err, 404):
		return false, fmt.Errorf("search: read index %s: %w", uid, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.prepareIndex(ctx, c.admin, uid, uid); err != nil {
		return false, err
	}
	m.log.Warn("search: the index was missing; re-created it with its settings", "index", uid)
	return true, nil
}

// generationCheck is how long an index's generation, once read from
// Meilisearch, is trusted: how far behind a change applied by another
// process the answer cache can be. This process's own changes are seen at
// once (Changed).
const generationCheck = time.Second

// generation is one live index's generation as last read.
type generation struct {
	changes atomic.Uint64 // bumped by Changed
	mu      sync.Mutex    // one read from Meilisearch at a time
	value   string
	at      time.Time
	seen    uint64 // changes when value was read
}

// Generation names the present state of the live index of kind k: its
// uid with the times Meilisearch records for its creation and its last
// change (documents added or deleted, settings; a rebuild's swap brings
// another index under the uid). It is read from Meilisearch at most once
// per generationCheck, and again at once after Changed.
func (m *Meili) Generation(ctx context.Context, k Kind) (string, error) {
	uid := m.uids[k]
	g := m.gens[uid]
	if g == nil {
		return "", nil // not declared: nothing read from it
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	n := g.changes.Load()
	if g.value != "" && g.seen == n && time.Since(g.at) < generationCheck {
		return g.value, nil
	}
	admin, err := m.admin()
	if err != nil {
		return "", err
	}
	ix, err := admin.GetIndex(ctx, uid)
	if err != nil {
		return "", fmt.Errorf("search: read index %s: %w", uid, err)
	}
	g.value = uid + "@" + strconv.FormatInt(ix.CreatedAt.UnixNano(), 36) + "." + strconv.FormatInt(ix.UpdatedAt.UnixNano(), 36)
	g.at, g.seen = time.Now(), n
	return g.value, nil
}

// Changed tells that this process has just seen a change of the live
// index uid applied (a document task or a swap succeeded, settings
// applied): its generation is read again before the next cached answer.
func (m *Meili) Changed(uid string) {
	if g := m.gens[uid]; g != nil {
		g.changes.Add(1)
	}
}

// TakeRecreated reports, once, that the live index uid was created since
// the last call.
func (m *Meili) TakeRecreated(uid string) bool {
	r := m.recreated[uid]
	return r != nil && r.Swap(false)
}

// waitTask waits for a task to finish and turns a failed or canceled task
// into an error.
func waitTask(ctx context.Context, c meilisearch.ServiceManager, uid int64) error {
	t, err := c.WaitForTask(ctx, uid, 25*time.Millisecond)
	if err != nil {
		return fmt.Errorf("wait for task %d: %w", uid, err)
	}
	return taskErr(t)
}

func taskErr(t *meilisearch.Task) error {
	if t.Status == meilisearch.TaskStatusSucceeded {
		return nil
	}
	return fmt.Errorf("task %d %s: %s (%s)", t.UID, t.Status, t.Error.Message, t.Error.Code)
}

func isStatus(err error, status int) bool {
	var me *meilisearch.Error
	return errors.As(err, &me) && me.StatusCode == status
}

func (m *Meili) admin() (meilisearch.ServiceManager, error) {
	c := m.clients.Load()
	if c == nil {
		return nil, ErrNotReady
	}
	return c.admin, nil
}

// Probe reports whether Meilisearch answers and the index is set up (for
// /readyz).
func (m *Meili) Probe(ctx context.Context) error {
	c := m.clients.Load()
	if c == nil {
		return ErrNotReady
	}
	if _, err := c.search.Health(ctx); err != nil {
		return fmt.Errorf("search: meilisearch health: %w", err)
	}
	return nil
}

// quote makes v a Meilisearch filter string literal: inside double quotes,
// backslashes and double quotes are escaped, so a value can never end the
// literal and add a condition of its own.
func quote(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}

// filter builds the Meilisearch filter for q's values, all quoted.
func filter(q Query) []string {
	f := sharedFilter(q)
	add := func(attr, v string) {
		if v != "" {
			f = append(f, attr+" = "+quote(v))
		}
	}
	add("support", q.Support)
	add("kind", q.Kind)
	add("office_keys", q.Office)
	if !q.VerifiedAfter.IsZero() {
		f = append(f, fmt.Sprintf("verified_on > %d", q.VerifiedAfter.Unix()))
	}
	return f
}

var retrieved = []string{"id", "slug", "name", "acronym", "kind", "mission_fr", "mission_en", "themes", "countries", "office_cities", "verified_on"}

// Search queries the live indexes with the search-only key: the page of
// q's type, and at the same time how many results the other type has for
// the same words and shared filters (Result.Counts).
func (m *Meili) Search(ctx context.Context, q Query) (*Result, error) {
	c := m.clients.Load()
	if c == nil {
		return nil, ErrNotReady
	}
	kind, other := q.kinds()
	uid, otherUID := m.uids[kind], m.uids[other]
	if uid == "" {
		return nil, fmt.Errorf("search: no %s index is declared", kind)
	}
	var (
		n    int
		nerr error
		wg   sync.WaitGroup
	)
	if otherUID != "" {
		wg.Go(func() { n, nerr = countIndex(ctx, c.search, otherUID, q) })
	}
	var res *Result
	var err error
	if kind == Articles {
		res, err = searchArticles(ctx, c.search, uid, q)
	} else {
		res, err = searchIndex(ctx, c.search, uid, q)
	}
	wg.Wait()
	if err != nil {
		return nil, err
	}
	if nerr != nil {
		return nil, nerr
	}
	res.Counts = map[string]int{q.Type: res.Total}
	if otherUID != "" {
		res.Counts[typeOf(other)] = n
	}
	return res, nil
}

// countIndex is how many documents of index match q's words and shared
// filters (countries, themes).
func countIndex(ctx context.Context, c meilisearch.ServiceManager, index string, q Query) (int, error) {
	req := countRequest(q)
	raw, err := c.Index(index).SearchRaw(ctx, req.Query, req)
	if err != nil {
		return 0, fmt.Errorf("search: meilisearch count: %w", err)
	}
	var res struct {
		TotalHits int `json:"totalHits"`
	}
	if err := json.Unmarshal(*raw, &res); err != nil {
		return 0, fmt.Errorf("search: decode meilisearch count: %w", err)
	}
	return res.TotalHits, nil
}

// countRequest asks how many documents match q's words and shared
// filters, and nothing else.
func countRequest(q Query) *meilisearch.SearchRequest {
	zero := int64(0)
	req := &meilisearch.SearchRequest{Query: q.folded(), Page: 1, HitsPerPage: &zero, AttributesToRetrieve: []string{"id"}}
	if f := sharedFilter(q); len(f) > 0 {
		req.Filter = f
	}
	return req
}

// Request is one request Search sends Meilisearch: the index's uid and
// the body.
type Request struct {
	Index string
	Body  *meilisearch.SearchRequest
}

// Requests are the requests Search sends Meilisearch for the normalized
// q, at the same time: the page of q's type, then the other type's count
// (the search benchmark replays them directly).
func (m *Meili) Requests(q Query) []Request {
	kind, other := q.kinds()
	page := MeiliRequest(q)
	if kind == Articles {
		page = ArticleRequest(q)
	}
	out := []Request{{Index: m.uids[kind], Body: page}}
	if uid := m.uids[other]; uid != "" {
		out = append(out, Request{Index: uid, Body: countRequest(q)})
	}
	return out
}

// SearchKey is the search-only key the app obtains for index (MEILI_INDEX)
// from Meilisearch with the master key: what the search benchmark asks
// Meilisearch directly with.
func SearchKey(ctx context.Context, url, masterKey, index string) (string, error) {
	master := meilisearch.New(url, meilisearch.WithAPIKey(masterKey), meilisearch.WithCustomClient(HTTPClient()))
	k, err := master.GetKey(ctx, keyUID("search", index))
	if err != nil {
		return "", fmt.Errorf("search: read the search key: %w", err)
	}
	return k.Key, nil
}

var articleRetrieved = []string{"id", "slug", "organisation_slug", "organisation_name", "title_fr", "title_en",
	"lead_fr", "lead_en", "published_at"}

var articleFacets = []string{FacetCountry, FacetTheme}

// ArticleRequest is the request Search sends to the articles index for q.
func ArticleRequest(q Query) *meilisearch.SearchRequest {
	req := baseRequest(q, articleFacets, articleRetrieved, []string{"title_fr", "title_en", "lead_fr", "lead_en"})
	if f := sharedFilter(q); len(f) > 0 {
		req.Filter = f
	}
	if q.Sort == SortDate || q.Text == "" {
		req.Sort = []string{"published_at:desc"}
	}
	return req
}

func searchArticles(ctx context.Context, c meilisearch.ServiceManager, index string, q Query) (*Result, error) {
	type hit struct {
		ArticleDocument
		Formatted struct {
			TitleFR string `json:"title_fr"`
			TitleEN string `json:"title_en"`
			LeadFR  string `json:"lead_fr"`
			LeadEN  string `json:"lead_en"`
		} `json:"_formatted"`
	}
	hits, out, err := rawSearch[hit](ctx, c, index, q, ArticleRequest(q))
	if err != nil {
		return nil, err
	}
	out.Type = TypeNews
	for _, h := range hits {
		f := h.Formatted
		out.Articles = append(out.Articles, h.hit(segments(f.TitleFR), segments(f.TitleEN), segments(f.LeadFR), segments(f.LeadEN)))
	}
	return out, nil
}

// rawSearch sends req to index and decodes the raw answer once, straight
// into typed hits (the client's own decoding builds a map per hit and
// re-encodes it); the result carries the totals and facets, not the hits.
func rawSearch[H any](ctx context.Context, c meilisearch.ServiceManager, index string, q Query, req *meilisearch.SearchRequest) ([]H, *Result, error) {
	raw, err := c.Index(index).SearchRaw(ctx, req.Query, req)
	if err != nil {
		return nil, nil, fmt.Errorf("search: meilisearch query: %w", err)
	}
	var res struct {
		TotalHits         int64                     `json:"totalHits"`
		FacetDistribution map[string]map[string]int `json:"facetDistribution"`
		Hits              []H                       `json:"hits"`
	}
	if err := json.Unmarshal(*raw, &res); err != nil {
		return nil, nil, fmt.Errorf("search: decode meilisearch answer: %w", err)
	}
	out := &Result{Total: int(res.TotalHits), Page: q.Page, Pages: pages(int(res.TotalHits), q.PerPage), Facets: res.FacetDistribution}
	if out.Facets == nil {
		out.Facets = map[string]map[string]int{}
	}
	return res.Hits, out, nil
}

// baseRequest asks for a page of q's results with only what the page
// shows: the facets it lists, the attributes its cards use and, when q
// asks for it, the shown texts highlighted — in both languages, as a card
// shows the other language's text when its own has none. The text sent
// is q's folded text (Query.folded), as the answer cache keys it.
func baseRequest(q Query, facets, retrieve, highlight []string) *meilisearch.SearchRequest {
	perPage := int64(q.PerPage)
	req := &meilisearch.SearchRequest{
		Query:                q.folded(),
		Page:                 int64(q.Page),
		HitsPerPage:          &perPage,
		Facets:               facets,
		AttributesToRetrieve: retrieve,
	}
	if q.Highlight {
		req.AttributesToHighlight = highlight
		req.HighlightPreTag, req.HighlightPostTag = markStart, markEnd
	}
	return req
}

// sharedFilter is the filter of q's values that both indexes hold:
// countries and themes.
func sharedFilter(q Query) []string {
	var f []string
	if q.Country != "" {
		f = append(f, "countries = "+quote(q.Country))
	}
	if q.Theme != "" {
		f = append(f, "themes = "+quote(q.Theme))
	}
	return f
}

// MeiliRequest is the request Search sends to the organisations index for
// q (the search benchmark replays it directly against Meilisearch).
func MeiliRequest(q Query) *meilisearch.SearchRequest {
	req := baseRequest(q, facetNames, retrieved, []string{"name", "mission_fr", "mission_en"})
	if f := filter(q); len(f) > 0 {
		req.Filter = f
	}
	if q.Sort == SortName || q.Text == "" {
		req.Sort = []string{"name:asc"}
	}
	return req
}

func searchIndex(ctx context.Context, c meilisearch.ServiceManager, index string, q Query) (*Result, error) {
	type hit struct {
		Document
		Formatted struct {
			Name      string `json:"name"`
			MissionFR string `json:"mission_fr"`
			MissionEN string `json:"mission_en"`
		} `json:"_formatted"`
	}
	hits, out, err := rawSearch[hit](ctx, c, index, q, MeiliRequest(q))
	if err != nil {
		return nil, err
	}
	out.Type = TypeOrganisations
	for _, h := range hits {
		out.Hits = append(out.Hits, h.hit(segments(h.Formatted.Name), segments(h.Formatted.MissionFR), segments(h.Formatted.MissionEN)))
	}
	return out, nil
}

// upsert sends docs to index and returns the task uid.
func (m *Meili) upsert(ctx context.Context, index string, docs []doc) (int64, error) {
	a, err := m.admin()
	if err != nil {
		return 0, err
	}
	pk := m.primaryKey(index)
	t, err := a.Index(index).AddDocuments(ctx, docs, &meilisearch.DocumentOptions{PrimaryKey: &pk})
	if err != nil {
		return 0, fmt.Errorf("search: add documents to %s: %w", index, err)
	}
	return t.TaskUID, nil
}

// remove deletes the documents ids from index and returns the task uid.
func (m *Meili) remove(ctx context.Context, index string, ids []int64) (int64, error) {
	a, err := m.admin()
	if err != nil {
		return 0, err
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	t, err := a.Index(index).DeleteDocuments(ctx, s, nil)
	if err != nil {
		return 0, fmt.Errorf("search: delete documents from %s: %w", index, err)
	}
	return t.TaskUID, nil
}

// task returns a task's current state.
func (m *Meili) task(ctx context.Context, uid int64) (*meilisearch.Task, error) {
	a, err := m.admin()
	if err != nil {
		return nil, err
	}
	t, err := a.GetTask(ctx, uid)
	if err != nil {
		return nil, fmt.Errorf("search: read task %d: %w", uid, err)
	}
	return t, nil
}

// wait waits for task uid until ctx ends.
func (m *Meili) wait(ctx context.Context, uid int64) error {
	a, err := m.admin()
	if err != nil {
		return err
	}
	return waitTask(ctx, a, uid)
}
