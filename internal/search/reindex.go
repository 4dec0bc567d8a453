package search

import (
	"context"
	"fmt"
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

// load builds the documents of ids in one query, in ids' order; gone
// lists the ids that must not be indexed.
func (ix *Indexer) load(ctx context.Context, ids []int64) (docs []Document, gone []int64, err error) {
	byID, err := ix.documents(ctx, ids)
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
func (ix *Indexer) writeFallbackBatch(ctx context.Context, docs []Document) error {
	ids := make([]int64, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	current := make(map[int64]string, len(docs))
	rows, _ := ix.pool.Query(ctx, `SELECT organisation_id, digest FROM search_documents WHERE organisation_id = ANY($1)`, ids)
	var id int64
	var digest string
	if _, err := pgx.ForEachRow(rows, []any{&id, &digest}, func() error { current[id] = digest; return nil }); err != nil {
		return fmt.Errorf("search: read fallback digests: %w", err)
	}
	b := &pgx.Batch{}
	for _, d := range docs {
		if current[d.ID] != d.Digest {
			b.Queue(upsertFallback, fallbackArgs(d))
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
	// CaughtUp counts organisations changed during the rebuild and synced
	// again after the swap.
	CaughtUp int
	Duration time.Duration
}

// Reindex rebuilds the whole index into a fresh one and swaps it in
// atomically, so searches keep answering from the old index meanwhile; it
// also rewrites every fallback row. progress, if not nil, is called with
// the number of documents Meilisearch has processed so far and the total.
//
// Changes committed during the rebuild are not lost: their index jobs
// either run after the swap, or ran before it and are replayed.
func (ix *Indexer) Reindex(ctx context.Context, progress func(done, total int)) (ReindexStats, error) {
	start := time.Now()
	if err := ix.meili.Setup(ctx); err != nil {
		return ReindexStats{}, err
	}
	// The swap needs a live index to swap with.
	if _, err := ix.meili.EnsureIndex(ctx); err != nil {
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
	live := ix.meili.Index()
	fresh := live + "_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if err := ix.meili.prepareIndex(ctx, admin, fresh); err != nil {
		return ReindexStats{}, err
	}
	// Whether the swap happened or not, fresh ends up naming the index
	// nobody reads.
	defer func() { _, _ = admin.DeleteIndex(context.WithoutCancel(ctx), fresh) }()

	var ids []int64
	rows, _ := ix.pool.Query(ctx, `SELECT id FROM organisations WHERE status = 'published' ORDER BY id`)
	if ids, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
		return ReindexStats{}, fmt.Errorf("search: reindex: list organisations: %w", err)
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
		docs, gone, err := ix.load(ctx, batch)
		if err != nil {
			return ReindexStats{}, fmt.Errorf("search: reindex: %w", err)
		}
		done += len(gone) // unpublished since listed
		if err := ix.writeFallbackBatch(ctx, docs); err != nil {
			return ReindexStats{}, err
		}
		if len(docs) > 0 {
			pk := "id"
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
	if _, err := ix.pool.Exec(ctx, `DELETE FROM search_documents sd WHERE NOT EXISTS (
		SELECT 1 FROM organisations o WHERE o.id = sd.organisation_id AND o.status = 'published')`); err != nil {
		return ReindexStats{}, fmt.Errorf("search: reindex: prune fallback: %w", err)
	}

	t, err := admin.SwapIndexes(ctx, []*meilisearch.SwapIndexesParams{{Indexes: []string{live, fresh}}})
	if err != nil {
		return ReindexStats{}, fmt.Errorf("search: reindex: swap: %w", err)
	}
	if err := waitTask(ctx, ix.meili.clients.Load().master, t.TaskUID); err != nil {
		return ReindexStats{}, fmt.Errorf("search: reindex: swap: %w", err)
	}
	// fresh now names the old index.
	// Tasks recorded before the swap were for the old index: forget them
	// so the catch-up below and running jobs send their change again.
	if _, err := ix.pool.Exec(ctx, `DELETE FROM search_tasks WHERE index_uid = $1`, live); err != nil {
		return ReindexStats{}, fmt.Errorf("search: reindex: %w", err)
	}
	// Index jobs that finished during the rebuild may have written to the
	// old index: replay them on the new one.
	rows, _ = ix.pool.Query(ctx, `
		SELECT DISTINCT (args->>'organisation_id')::bigint FROM river_job
		WHERE kind = 'index_organisation' AND finalized_at >= $1`, since)
	changed, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return ReindexStats{}, fmt.Errorf("search: reindex: changes during rebuild: %w", err)
	}
	if err := ix.syncAll(ctx, changed); err != nil {
		return ReindexStats{}, err
	}
	return ReindexStats{Documents: indexed, CaughtUp: len(changed), Duration: time.Since(start)}, nil
}

// syncAll syncs ids a few at a time.
func (ix *Indexer) syncAll(ctx context.Context, ids []int64) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	var mu sync.Mutex
	var errs []error
	for _, id := range ids {
		g.Go(func() error {
			if err := ix.Sync(gctx, id); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
			return nil
		})
	}
	_ = g.Wait()
	if len(errs) > 0 {
		return fmt.Errorf("search: %d of %d organisations not synced, first: %w", len(errs), len(ids), errs[0])
	}
	return nil
}
