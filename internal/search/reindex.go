package search

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/meilisearch/meilisearch-go"
	"golang.org/x/sync/errgroup"
)

// batchSize is the number of documents per Meilisearch task in bulk work.
const batchSize = 1000

// maxInFlight bounds the document tasks a reindex leaves enqueued.
const maxInFlight = 100

// load builds the documents of ids of src in one query, in ids' order;
// gone lists the ids that must not be indexed.
func (ix *Indexer) load(ctx context.Context, src *source, ids []int64) (docs []doc, gone []int64, err error) {
	byID, err := src.load(ctx, ix, ids)
	if err != nil {
		return nil, nil, err
	}
	for _, id := range ids {
		if d, ok := byID[id]; ok {
			docs = append(docs, d)
		} else {
			gone = append(gone, id)
		}
	}
	return docs, gone, nil
}

// writeFallbackBatch stores the fallback rows of docs that are missing or
// differ (by content digest) in one round trip: the index worker keeps
// them current, and computing their text vectors again is most of a
// rebuild's work in PostgreSQL.
func (ix *Indexer) writeFallbackBatch(ctx context.Context, src *source, docs []doc) error {
	ids := make([]int64, len(docs))
	for i, d := range docs {
		ids[i] = d.docID()
	}
	current := make(map[int64]string, len(docs))
	rows, _ := ix.pool.Query(ctx, `SELECT `+src.key+`, digest FROM `+src.table+` WHERE `+src.key+` = ANY($1)`, ids)
	var id int64
	var digest string
	if _, err := pgx.ForEachRow(rows, []any{&id, &digest}, func() error { current[id] = digest; return nil }); err != nil {
		return fmt.Errorf("search: read fallback digests: %w", err)
	}
	b := &pgx.Batch{}
	for _, d := range docs {
		if current[d.docID()] != d.docDigest() {
			b.Queue(src.upsert, src.args(d))
		}
	}
	if b.Len() == 0 {
		return nil
	}
	if err := ix.pool.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("search: write fallback rows: %w", err)
	}
	return nil
}

// ReindexStats describes a finished reindex.
type ReindexStats struct {
	Documents int
	// CaughtUp counts documents changed during the rebuild and synced
	// again after the swap.
	CaughtUp int
	Duration time.Duration
	// Indexes are the figures of each index rebuilt (Reindex), in order.
	Indexes []IndexStats
}

// IndexStats are one index's part of a reindex.
type IndexStats struct {
	Kind      Kind
	UID       string
	Documents int
	CaughtUp  int
	Duration  time.Duration
}

// Reindex rebuilds every declared index in turn (ReindexKind); progress,
// if not nil, is called for each index as ReindexKind calls it, with the
// index's kind.
func (ix *Indexer) Reindex(ctx context.Context, progress func(kind Kind, done, total int)) (ReindexStats, error) {
	start := time.Now()
	var all ReindexStats
	for _, kind := range ix.meili.Kinds() {
		var p func(done, total int)
		if progress != nil {
			p = func(done, total int) { progress(kind, done, total) }
		}
		st, err := ix.ReindexKind(ctx, kind, p)
		if err != nil {
			return all, err
		}
		all.Documents += st.Documents
		all.CaughtUp += st.CaughtUp
		all.Indexes = append(all.Indexes, IndexStats{Kind: kind, UID: ix.meili.UID(kind), Documents: st.Documents,
			CaughtUp: st.CaughtUp, Duration: st.Duration})
	}
	all.Duration = time.Since(start)
	return all, nil
}

// ReindexKind rebuilds the index of kind into a fresh one and swaps it in
// atomically, so searches keep answering from the old index meanwhile; it
// also rewrites the fallback rows that drifted. progress, if not nil, is
// called with the number of documents Meilisearch has processed so far
// and the total.
//
// Changes committed during the rebuild are not lost: their index jobs
// either run after the swap, or ran before it and are replayed.
func (ix *Indexer) ReindexKind(ctx context.Context, kind Kind, progress func(done, total int)) (ReindexStats, error) {
	start := time.Now()
	src, err := sourceOf(kind)
	if err != nil {
		return ReindexStats{}, err
	}
	if err := ix.meili.Setup(ctx); err != nil {
		return ReindexStats{}, err
	}
	live := ix.meili.UID(kind)
	// The swap needs a live index to swap with.
	if _, err := ix.meili.EnsureIndex(ctx, live); err != nil {
		return ReindexStats{}, err
	}
	admin, err := ix.meili.admin()
	if err != nil {
		return ReindexStats{}, err
	}
	var since time.Time
	if err := ix.pool.QueryRow(ctx, `SELECT now()`).Scan(&since); err != nil {
		return ReindexStats{}, fmt.Errorf("search: reindex: %w", err)
	}
	fresh := live + "_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if err := ix.meili.prepareIndex(ctx, admin, fresh, live); err != nil {
		return ReindexStats{}, err
	}
	// Whether the swap happened or not, fresh ends up naming the index
	// nobody reads.
	// The deletion is waited for, so a finished reindex leaves no index behind.
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if t, err := admin.DeleteIndex(dctx, fresh); err == nil {
			_ = waitTask(dctx, admin, t.TaskUID)
		}
	}()

	var ids []int64
	rows, _ := ix.pool.Query(ctx, src.expected)
	if ids, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
		return ReindexStats{}, fmt.Errorf("search: reindex: list %s: %w", kind, err)
	}
	total := len(ids)
	if progress != nil {
		progress(0, total)
	}
	// Pipeline: build and send the next batches while Meilisearch indexes
	// the previous ones.
	type sent struct {
		task int64
		n    int
	}
	var pending []sent
	done := 0
	waitOne := func() error {
		s := pending[0]
		pending = pending[1:]
		wctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
		defer cancel()
		if err := waitTask(wctx, admin, s.task); err != nil {
			return fmt.Errorf("search: reindex: %w", err)
		}
		done += s.n
		if progress != nil {
			progress(done, total)
		}
		return nil
	}
	indexed := 0
	for lo := 0; lo < len(ids); lo += batchSize {
		batch := ids[lo:min(lo+batchSize, len(ids))]
		docs, gone, err := ix.load(ctx, src, batch)
		if err != nil {
			return ReindexStats{}, fmt.Errorf("search: reindex: %w", err)
		}
		done += len(gone) // unpublished since listed
		if err := ix.writeFallbackBatch(ctx, src, docs); err != nil {
			return ReindexStats{}, err
		}
		if len(docs) > 0 {
			pk := ix.meili.primaryKey(live)
			t, err := admin.Index(fresh).AddDocuments(ctx, docs, &meilisearch.DocumentOptions{PrimaryKey: &pk})
			if err != nil {
				return ReindexStats{}, fmt.Errorf("search: reindex: add documents: %w", err)
			}
			pending = append(pending, sent{t.TaskUID, len(docs)})
			indexed += len(docs)
		}
		// Several tasks in flight let Meilisearch batch them together
		// (much faster than one at a time), while memory stays bounded.
		for len(pending) > maxInFlight {
			if err := waitOne(); err != nil {
				return ReindexStats{}, err
			}
		}
	}
	for len(pending) > 0 {
		if err := waitOne(); err != nil {
			return ReindexStats{}, err
		}
	}
	if _, err := ix.pool.Exec(ctx, src.prune); err != nil {
		return ReindexStats{}, fmt.Errorf("search: reindex: prune fallback: %w", err)
	}

	t, err := admin.SwapIndexes(ctx, []*meilisearch.SwapIndexesParams{{Indexes: []string{live, fresh}}})
	if err != nil {
		return ReindexStats{}, fmt.Errorf("search: reindex: swap: %w", err)
	}
	if err := waitTask(ctx, ix.meili.clients.Load().master, t.TaskUID); err != nil {
		return ReindexStats{}, fmt.Errorf("search: reindex: swap: %w", err)
	}
	ix.meili.Changed(live)
	// fresh now names the old index.
	// Tasks recorded before the swap were for the old index: forget them
	// so the catch-up below and running jobs send their change again.
	if _, err := ix.pool.Exec(ctx, `DELETE FROM search_tasks WHERE index_uid = $1`, live); err != nil {
		return ReindexStats{}, fmt.Errorf("search: reindex: %w", err)
	}
	// Index jobs that finished during the rebuild may have written to the
	// old index: replay them on the new one.
	changed, owners, err := ix.finishedSince(ctx, kind, since)
	if err != nil {
		return ReindexStats{}, err
	}
	for _, org := range owners {
		rows, _ := ix.pool.Query(ctx, src.owned, org)
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return ReindexStats{}, fmt.Errorf("search: reindex: changes during rebuild: %w", err)
		}
		changed = append(changed, ids...)
	}
	slices.Sort(changed)
	changed = slices.Compact(changed)
	if err := ix.syncAll(ctx, kind, changed); err != nil {
		return ReindexStats{}, err
	}
	return ReindexStats{Documents: indexed, CaughtUp: len(changed), Duration: time.Since(start)}, nil
}

// finishedSince lists the documents of kind whose index jobs finished
// since t, and the organisations whose documents of kind were all synced
// (jobs without a document id).
func (ix *Indexer) finishedSince(ctx context.Context, kind Kind, t time.Time) (ids, owners []int64, err error) {
	rows, _ := ix.pool.Query(ctx, `
		SELECT DISTINCT COALESCE((args->>'id')::bigint, 0), COALESCE((args->>'organisation_id')::bigint, 0) FROM river_job
		WHERE finalized_at >= $1 AND (kind = 'index_document' AND args->>'index' = $2
			OR kind = 'index_organisation' AND $2 = 'organisations')`, t, string(kind))
	var id, org int64
	_, err = pgx.ForEachRow(rows, []any{&id, &org}, func() error {
		switch {
		case id != 0:
			ids = append(ids, id)
		case kind == Organisations:
			ids = append(ids, org) // the old job: an organisation's own document
		default:
			owners = append(owners, org)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("search: reindex: changes during rebuild: %w", err)
	}
	return ids, owners, nil
}

// syncAll syncs the documents ids of kind a few at a time.
func (ix *Indexer) syncAll(ctx context.Context, kind Kind, ids []int64) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	var mu sync.Mutex
	var errs []error
	for _, id := range ids {
		g.Go(func() error {
			if err := ix.SyncDocument(gctx, kind, id); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
			return nil
		})
	}
	_ = g.Wait()
	if len(errs) > 0 {
		return fmt.Errorf("search: %d of %d %s not synced, first: %w", len(errs), len(ids), kind, errs[0])
	}
	return nil
}
