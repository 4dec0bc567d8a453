package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/meilisearch/meilisearch-go"
	"github.com/riverqueue/river"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/jobs"
	"github.com/partnerdir/partnerdir/internal/locale"
	"github.com/partnerdir/partnerdir/internal/postgres"
	webfiles "github.com/partnerdir/partnerdir/web"
)

// Indexer brings search documents — in Meilisearch and in the PostgreSQL
// fallback — in line with the database, for every declared index.
type Indexer struct {
	pool  *pgxpool.Pool
	dir   *directory.Store
	meili *Meili
	log   *slog.Logger
	// wait bounds how long Sync waits for Meilisearch to process a task.
	wait time.Duration

	mu        sync.Mutex
	countries map[string]directory.Country
	labels    *locale.Translator
}

// IndexerOptions tune an Indexer; zero values take the defaults.
type IndexerOptions struct {
	// Wait is the deadline of a task wait (default 30 s). Meilisearch
	// batches tasks, so one can sit in its queue for a while.
	Wait   time.Duration
	Logger *slog.Logger
}

// NewIndexer returns an indexer over the directory and Meilisearch.
func NewIndexer(pool *pgxpool.Pool, dir *directory.Store, m *Meili, o IndexerOptions) *Indexer {
	if o.Wait == 0 {
		o.Wait = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Indexer{pool: pool, dir: dir, meili: m, log: o.Logger, wait: o.Wait}
}

func (ix *Indexer) namer(ctx context.Context) (namer, error) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.labels == nil {
		tr, err := locale.New(webfiles.FS)
		if err != nil {
			return namer{}, err
		}
		ix.labels = tr
	}
	if ix.countries == nil {
		cs, err := ix.dir.Countries(ctx)
		if err != nil {
			return namer{}, err
		}
		ix.countries = make(map[string]directory.Country, len(cs))
		for _, c := range cs {
			ix.countries[c.Code] = c
		}
	}
	m := ix.countries
	return namer{country: func(code string) (string, string) { c := m[code]; return c.NameFR, c.NameEN }, tr: ix.labels}, nil
}

// Document returns organisation id's current search document, or false
// when it must not be in the index (unknown, unpublished or suspended).
func (ix *Indexer) Document(ctx context.Context, id int64) (Document, bool, error) {
	docs, err := ix.documents(ctx, []int64{id})
	if err != nil {
		return Document{}, false, err
	}
	d, ok := docs[id]
	return d, ok, nil
}

// ArticleDocument returns article id's current search document, or false
// when it must not be in the index (unknown, not published, or its
// organisation not published).
func (ix *Indexer) ArticleDocument(ctx context.Context, id int64) (ArticleDocument, bool, error) {
	docs, err := articleDocuments(ctx, ix, []int64{id})
	if err != nil {
		return ArticleDocument{}, false, err
	}
	d, ok := docs[id]
	if !ok {
		return ArticleDocument{}, false, nil
	}
	return d.(ArticleDocument), true, nil
}

// deleted is the digest recorded for a pending deletion.
const deleted = "deleted"

// Sync brings organisation id's document in line (SyncDocument).
func (ix *Indexer) Sync(ctx context.Context, id int64) error {
	return ix.SyncDocument(ctx, Organisations, id)
}

// SyncDocument upserts or deletes document id of index kind and waits for
// Meilisearch to apply it. The fallback row is written even when
// Meilisearch is down, so the fallback stays current. A wait that times
// out leaves the task recorded in search_tasks: the next attempt re-checks
// that task by uid instead of sending the change again.
func (ix *Indexer) SyncDocument(ctx context.Context, kind Kind, id int64) error {
	src, err := sourceOf(kind)
	if err != nil {
		return err
	}
	setupCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	setupErr := ix.meili.Setup(setupCtx)
	cancel()
	index := ix.meili.UID(kind)
	if index == "" {
		return fmt.Errorf("search: sync %s %d: the index is not declared", kind, id)
	}
	var taskUID int64
	skip := false
	err = postgres.InTx(ctx, ix.pool, func(tx pgx.Tx) error {
		// One document at a time: reading the database and sending the
		// change happen in the same order as Meilisearch applies them, so an
		// older read can never overwrite a newer one.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, ($2 % 2147483647)::int)`, src.lock, id); err != nil {
			return err
		}
		docs, err := src.load(ctx, ix, []int64{id})
		if err != nil {
			return err
		}
		d, ok := docs[id]
		digest := deleted
		if ok {
			digest = d.docDigest()
			_, err = tx.Exec(ctx, src.upsert, src.args(d))
		} else {
			_, err = tx.Exec(ctx, `DELETE FROM `+src.table+` WHERE `+src.key+` = $1`, id)
		}
		if err != nil {
			return fmt.Errorf("search: write fallback row %d: %w", id, err)
		}
		if !ok && src.unindexed != "" {
			var never bool
			if err := tx.QueryRow(ctx, src.unindexed, id).Scan(&never); err != nil {
				return err
			}
			if never {
				skip = true
				return nil // nothing to delete: no Meilisearch task
			}
		}
		if setupErr != nil {
			return nil // commit the fallback row; Meilisearch is retried
		}
		var pendingUID int64
		var pendingDigest string
		err = tx.QueryRow(ctx, `SELECT task_uid, digest FROM search_tasks WHERE index_uid = $1 AND document_id = $2`,
			index, id).Scan(&pendingUID, &pendingDigest)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if err == nil && pendingDigest == digest {
			t, err := ix.meili.task(ctx, pendingUID)
			switch {
			case err == nil && (t.Status == meilisearch.TaskStatusEnqueued || t.Status == meilisearch.TaskStatusProcessing ||
				t.Status == meilisearch.TaskStatusSucceeded):
				taskUID = pendingUID // already sent: wait for it again
				return nil
			case err != nil && !isStatus(err, 404):
				setupErr = err
				return nil
			}
			// failed, canceled or forgotten by Meilisearch: send again.
		}
		sendCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		// Never let a document create a missing index without settings.
		if _, err := ix.meili.EnsureIndex(sendCtx, index); err != nil {
			setupErr = err
			return nil
		}
		if ok {
			taskUID, err = ix.meili.upsert(sendCtx, index, []doc{d})
		} else {
			taskUID, err = ix.meili.remove(sendCtx, index, []int64{id})
		}
		if err != nil {
			setupErr = err
			return nil
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO search_tasks (index_uid, document_id, task_uid, digest) VALUES ($1, $2, $3, $4)
			ON CONFLICT (index_uid, document_id) DO UPDATE SET task_uid = $3, digest = $4, enqueued_at = now()`,
			index, id, taskUID, digest)
		return err
	})
	what := fmt.Sprintf("%s %d", strings.TrimSuffix(string(kind), "s"), id)
	if err != nil {
		return fmt.Errorf("search: sync %s: %w", what, err)
	}
	if skip {
		return nil
	}
	if setupErr != nil {
		return fmt.Errorf("search: sync %s: meilisearch: %w", what, setupErr)
	}
	waitCtx, cancel := context.WithTimeout(ctx, ix.wait)
	defer cancel()
	if err := ix.meili.wait(waitCtx, taskUID); err != nil {
		if waitCtx.Err() != nil {
			return fmt.Errorf("search: sync %s: task %d not processed within %s; the next attempt re-checks it", what, taskUID, ix.wait)
		}
		// A failed task is forgotten so the next attempt sends again.
		_, _ = ix.pool.Exec(ctx, `DELETE FROM search_tasks WHERE index_uid = $1 AND document_id = $2 AND task_uid = $3`, index, id, taskUID)
		return fmt.Errorf("search: sync %s: %w", what, err)
	}
	ix.meili.Changed(index)
	if _, err := ix.pool.Exec(ctx, `DELETE FROM search_tasks WHERE index_uid = $1 AND document_id = $2 AND task_uid = $3`, index, id, taskUID); err != nil {
		return fmt.Errorf("search: sync %s: %w", what, err)
	}
	return nil
}

// SyncOrganisation brings every document of index kind that belongs to
// organisation orgID in line: its articles, when its name, status or
// people changed. An index without documents per organisation has nothing
// to do.
func (ix *Indexer) SyncOrganisation(ctx context.Context, kind Kind, orgID int64) error {
	src, err := sourceOf(kind)
	if err != nil {
		return err
	}
	if src.owned == "" {
		return nil
	}
	rows, _ := ix.pool.Query(ctx, src.owned, orgID)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("search: %s of organisation %d: %w", kind, orgID, err)
	}
	return ix.syncAll(ctx, kind, ids)
}

// CheckIndex makes sure every live index exists, re-creating one with its
// settings when it has gone, and rebuilds every document of an index
// (Reindex) when it had to be created — here, at set-up or by a Sync —
// since the last check. It runs periodically (CheckWorker), so an index
// lost with Meilisearch's data comes back with no manual step.
func (ix *Indexer) CheckIndex(ctx context.Context) error {
	if err := ix.meili.Setup(ctx); err != nil {
		return err
	}
	var errs []error
	for _, kind := range ix.meili.Kinds() {
		uid := ix.meili.UID(kind)
		if _, err := ix.meili.EnsureIndex(ctx, uid); err != nil {
			errs = append(errs, err)
			continue
		}
		if !ix.meili.TakeRecreated(uid) {
			continue
		}
		ix.log.Warn("search: rebuilding the documents of a re-created index", "index", uid)
		st, err := ix.ReindexKind(ctx, kind, nil)
		if err != nil {
			ix.meili.recreated[uid].Store(true) // the next check tries again
			errs = append(errs, fmt.Errorf("search: rebuild the re-created index %s: %w", uid, err))
			continue
		}
		ix.log.Info("search: re-created index rebuilt", "index", uid, "documents", st.Documents, "took", st.Duration)
	}
	return errors.Join(errs...)
}

// CheckWorker is the River worker of jobs.CheckSearchIndex.
type CheckWorker struct {
	river.WorkerDefaults[jobs.CheckSearchIndex]
	ix *Indexer
}

// NewCheckWorker returns the worker of the periodic index check.
func NewCheckWorker(ix *Indexer) *CheckWorker { return &CheckWorker{ix: ix} }

// Work checks the index (see Indexer.CheckIndex).
func (w *CheckWorker) Work(ctx context.Context, _ *river.Job[jobs.CheckSearchIndex]) error {
	return w.ix.CheckIndex(ctx)
}

// Timeout leaves room for a full rebuild.
func (w *CheckWorker) Timeout(*river.Job[jobs.CheckSearchIndex]) time.Duration { return time.Hour }

// CheckPeriodic schedules the index check every minute and at start-up.
func CheckPeriodic() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
		func() (river.JobArgs, *river.InsertOpts) { return jobs.CheckSearchIndex{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}

// Worker is the River worker of jobs.IndexDocument.
type Worker struct {
	river.WorkerDefaults[jobs.IndexDocument]
	ix *Indexer
	// MaxBackoff caps the delay between attempts, so the index converges
	// soon after Meilisearch returns.
	maxBackoff time.Duration
}

// NewWorker returns the index worker. maxBackoff caps retry delays
// (default one minute).
func NewWorker(ix *Indexer, maxBackoff time.Duration) *Worker {
	if maxBackoff == 0 {
		maxBackoff = time.Minute
	}
	return &Worker{ix: ix, maxBackoff: maxBackoff}
}

// Work syncs the job's document, or every document of the index that
// belongs to the job's organisation.
func (w *Worker) Work(ctx context.Context, job *river.Job[jobs.IndexDocument]) error {
	a := job.Args
	if a.ID == 0 {
		return w.ix.SyncOrganisation(ctx, Kind(a.Index), a.OrganisationID)
	}
	return w.ix.SyncDocument(ctx, Kind(a.Index), a.ID)
}

// NextRetry backs off exponentially from one second up to the cap, with
// jitter.
func (w *Worker) NextRetry(job *river.Job[jobs.IndexDocument]) time.Time {
	return backoff(job.Attempt, w.maxBackoff)
}

// Timeout leaves room for the task wait, or for the few waits of an
// organisation's documents.
func (w *Worker) Timeout(job *river.Job[jobs.IndexDocument]) time.Duration {
	if job.Args.ID == 0 {
		return 4*w.ix.wait + 30*time.Second
	}
	return w.ix.wait + 30*time.Second
}

func backoff(attempt int, limit time.Duration) time.Time {
	d := time.Second << min(attempt, 16)
	d = min(d, limit)
	d = d/2 + rand.N(d/2+1)
	return time.Now().Add(d)
}

// LegacyWorker works the jobs.IndexOrganisation jobs enqueued before
// jobs.IndexDocument replaced them, so none is left behind by an upgrade.
type LegacyWorker struct {
	river.WorkerDefaults[jobs.IndexOrganisation]
	w *Worker
}

// NewLegacyWorker returns the worker of the old organisations' index jobs.
func NewLegacyWorker(w *Worker) *LegacyWorker { return &LegacyWorker{w: w} }

// Work syncs the job's organisation.
func (l *LegacyWorker) Work(ctx context.Context, job *river.Job[jobs.IndexOrganisation]) error {
	return l.w.ix.Sync(ctx, job.Args.OrganisationID)
}

// NextRetry backs off as Worker does.
func (l *LegacyWorker) NextRetry(job *river.Job[jobs.IndexOrganisation]) time.Time {
	return backoff(job.Attempt, l.w.maxBackoff)
}
