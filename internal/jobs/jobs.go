// Package jobs owns the background job queue (River on PostgreSQL): the
// client and the job argument types that writers enqueue inside their own
// transactions. The workers live with the package that does the work and
// are registered by cmd/partnerdir, so no import runs back up.
package jobs

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
)

// Queue names: each kind of work has its own, so a backlog of one cannot
// starve the other.
const (
	QueueIndex       = "index"
	QueueMail        = "mail"
	QueueMaintenance = "maintenance"
)

// Client is the River client, used both to insert jobs (InsertTx) and, in
// serve, to work them.
type Client = river.Client[pgx.Tx]

// Options configures a working client.
type Options struct {
	Workers  *river.Workers
	Periodic []*river.PeriodicJob
	Logger   *slog.Logger
	// PollInterval bounds how long an inserted job may wait before a worker
	// sees it when LISTEN/NOTIFY is not delivered (e.g. behind PgBouncer).
	PollInterval time.Duration
}

// NewInserter returns a client that only inserts jobs (commands, tests, and
// processes that do not run workers).
func NewInserter(pool *pgxpool.Pool) (*Client, error) {
	// An inserting client tells the workers of a queue at most once per
	// FetchCooldown (default 100 ms): a second job inserted within that
	// time (an article saved then published at once) would wait for the
	// workers' next poll, up to a second. Telling them every time costs one
	// NOTIFY per transaction.
	c, err := river.NewClient(riverpgxv5.New(pool), &river.Config{FetchCooldown: river.FetchCooldownMin})
	if err != nil {
		return nil, fmt.Errorf("jobs: new inserter: %w", err)
	}
	return c, nil
}

// NewWorking returns a client that works the index, mail and maintenance
// queues with opts.Workers once started.
func NewWorking(pool *pgxpool.Pool, opts Options) (*Client, error) {
	poll := opts.PollInterval
	if poll == 0 {
		poll = time.Second
	}
	c, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Queues: map[string]river.QueueConfig{
			QueueIndex:       {MaxWorkers: 4},
			QueueMail:        {MaxWorkers: 4},
			QueueMaintenance: {MaxWorkers: 1},
		},
		Workers:           opts.Workers,
		PeriodicJobs:      opts.Periodic,
		Logger:            opts.Logger,
		FetchPollInterval: poll,
		FetchCooldown:     50 * time.Millisecond,
		JobTimeout:        2 * time.Minute,
		// A job whose worker process died (crash, SIGKILL, lost machine) is
		// handed to another worker once it cannot still be running: work
		// is idempotent, so a mail or index update waits minutes, not the
		// default hour.
		RescueStuckJobsAfter: 5 * time.Minute,
		MaxAttempts:          25,
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: new client: %w", err)
	}
	return c, nil
}

// IndexDocument asks the search indexer to bring one document of one
// index in line with the database: upsert it, or delete it when it must no
// longer be indexed (unpublished, withdrawn, gone). With no ID it means
// every document of the index that belongs to OrganisationID (an
// organisation's articles, after the organisation changed).
type IndexDocument struct {
	// Index is the index's kind: "organisations" or "articles".
	Index          string `json:"index"`
	ID             int64  `json:"id,omitempty"`
	OrganisationID int64  `json:"organisation_id,omitempty"`
}

// Kind names the job type.
func (IndexDocument) Kind() string { return "index_document" }

// InsertOpts puts index jobs on their own queue.
func (IndexDocument) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueIndex}
}

// IndexOrganisation is the organisations' index job from before
// IndexDocument; nothing enqueues it any more, and its worker remains for
// the jobs a queue may still hold.
type IndexOrganisation struct {
	OrganisationID int64 `json:"organisation_id"`
}

// Kind names the job type.
func (IndexOrganisation) Kind() string { return "index_organisation" }

// CheckSearchIndex asks the indexer to make sure the live search index
// exists, and to rebuild it when it had to be re-created.
type CheckSearchIndex struct{}

// Kind names the job type.
func (CheckSearchIndex) Kind() string { return "check_search_index" }

// InsertOpts puts the check on the index queue, one at a time.
func (CheckSearchIndex) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueIndex, UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
}

// InsertOpts puts index jobs on their own queue.
func (IndexOrganisation) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueIndex}
}
