// Package invalidate tells this process when the data its caches hold
// changed anywhere: in another instance, a command or psql. Migration
// 00030 makes every statement that changes what a public page shows
// notify the PostgreSQL channel partnerdir_changes; a Listener holds one
// connection of its own (not the pool's) listening on it.
//
// Its rules, which the caches rely on:
//   - Generation moves after every batch of notifications (those that
//     arrived together count once) and on every (re)connection, since
//     notifications sent while no connection listened are lost;
//   - Live is false from the start until the first LISTEN succeeds and
//     whenever the connection is lost: a cache must then serve nothing it
//     kept, because a write it would not hear of may have happened;
//   - a lost connection is reopened with backoff (100 ms doubling to 5 s),
//     and an idle one is checked every KeepAlive so a silent network
//     failure is noticed too.
package invalidate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
)

// Channel is the notification channel migration 00030's triggers notify.
const Channel = "partnerdir_changes"

// SyncPrefix starts the payload of a notification a caller sends on
// Channel itself: once the listener has heard it (Heard), it has heard
// every change committed before it (PostgreSQL delivers notifications in
// commit order) and moved Generation for them.
const SyncPrefix = "sync:"

// DefaultName is the application_name of the listener's connection, how
// an operator finds it in pg_stat_activity.
const DefaultName = "partnerdir listener"

// Options tune a Listener; the zero value is what serve runs.
type Options struct {
	// Logger hears connections lost and regained (nil: discarded).
	Logger *slog.Logger
	// Name is the connection's application_name (empty: DefaultName).
	Name string
	// KeepAlive is how long an idle connection waits before it is checked
	// (0: 30 s).
	KeepAlive time.Duration
	// Notified hears each batch of n notifications, Lost each loss of a
	// listening connection (metrics); nil: nobody.
	Notified func(n int)
	Lost     func()
}

// Listener follows the channel; see the package comment for its rules.
type Listener struct {
	cfg       *pgx.ConnConfig
	log       *slog.Logger
	keepAlive time.Duration
	notified  func(n int)
	lost      func()

	gen  atomic.Uint64
	live atomic.Bool

	// heard holds the SyncPrefix payloads received and not yet asked
	// for (Heard).
	heard sync.Map

	mu      sync.Mutex
	follow  []func()
	running bool
}

// New prepares a listener on the database at databaseURL; Run connects.
func New(databaseURL string, o Options) (*Listener, error) {
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("invalidate: %w", err)
	}
	name := o.Name
	if name == "" {
		name = DefaultName
	}
	cfg.RuntimeParams["application_name"] = name
	// A wait that times out (the keep-alive, the drain of a batch) only
	// sets a deadline on the socket, instead of opening a connection to
	// cancel a query that is not running.
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.DeadlineContextWatcherHandler{Conn: c.Conn()}
	}
	l := &Listener{cfg: cfg, log: o.Logger, keepAlive: o.KeepAlive, notified: o.Notified, lost: o.Lost}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	if l.keepAlive <= 0 {
		l.keepAlive = 30 * time.Second
	}
	return l, nil
}

// Generation moves whenever the data may have changed behind this
// process's back; a cache compares it with the value it read before
// computing what it keeps.
func (l *Listener) Generation() uint64 { return l.gen.Load() }

// Live reports whether the listener is listening now. While it is not,
// caches must serve nothing they kept.
func (l *Listener) Live() bool { return l.live.Load() }

// Heard reports whether the notification with payload (SyncPrefix and a
// token of the caller's) has arrived, Generation having moved for it and
// for everything before it; it forgets payload once it says yes.
func (l *Listener) Heard(payload string) bool {
	_, ok := l.heard.LoadAndDelete(payload)
	return ok
}

// Follow calls fn after every move of Generation (from the listener's
// goroutine: fn must be quick), so a cache that does not compare
// generations (memo, the search answers) is invalidated too.
func (l *Listener) Follow(fn func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.follow = append(l.follow, fn)
}

// bump moves Generation and tells the followers.
func (l *Listener) bump() {
	l.gen.Add(1)
	l.mu.Lock()
	fs := l.follow
	l.mu.Unlock()
	for _, fn := range fs {
		fn()
	}
}

func (l *Listener) setLive(live bool) { l.live.Store(live) }

// Run listens until ctx ends, reconnecting as long as it takes; it
// returns when ctx is done, with the connection closed. One Run at a time.
func (l *Listener) Run(ctx context.Context) {
	l.mu.Lock()
	if l.running {
		l.mu.Unlock()
		panic("invalidate: Listener.Run called twice")
	}
	l.running = true
	l.mu.Unlock()
	defer func() {
		l.setLive(false)
		l.bump()
		l.mu.Lock()
		l.running = false
		l.mu.Unlock()
	}()
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		start := time.Now()
		err := l.session(ctx)
		if ctx.Err() != nil {
			return
		}
		l.log.Warn("change notifications lost: caches bypassed until the listener reconnects", "err", err)
		if time.Since(start) > time.Minute {
			backoff = 100 * time.Millisecond // it had been working: retry soon
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// session connects, listens and follows the notifications until the
// connection fails or ctx ends.
func (l *Listener) session(ctx context.Context) error {
	connectCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.ConnectConfig(connectCtx, l.cfg)
	cancel()
	if err != nil {
		return err
	}
	defer func() {
		l.setLive(false)
		l.bump() // what was kept while live may miss a write sent as the connection died
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		_ = conn.Close(closeCtx)
		cancel()
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		return err
	}
	// Anything may have changed while nobody listened.
	l.bump()
	l.setLive(true)
	defer func() {
		if ctx.Err() == nil && l.lost != nil {
			l.lost()
		}
	}()
	l.log.Info("listening for changes", "channel", Channel)
	for {
		waitCtx, cancel := context.WithTimeout(ctx, l.keepAlive)
		first, err := conn.WaitForNotification(waitCtx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err):
			pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err = conn.Ping(pingCtx)
			cancel()
			if err != nil {
				return fmt.Errorf("keep-alive: %w", err)
			}
			continue
		case err != nil:
			return err
		}
		batch := append([]*pgconn.Notification{first}, l.drain(ctx, conn)...)
		l.bump()
		for _, n := range batch {
			if strings.HasPrefix(n.Payload, SyncPrefix) {
				l.heard.Store(n.Payload, struct{}{})
			}
		}
		if l.notified != nil {
			l.notified(len(batch))
		}
	}
}

// drain takes the notifications that have already arrived, so a burst
// (a bulk import's statements) moves Generation once; it waits a
// millisecond at most for each.
func (l *Listener) drain(ctx context.Context, conn *pgx.Conn) []*pgconn.Notification {
	var batch []*pgconn.Notification
	for len(batch) < 1000 {
		waitCtx, cancel := context.WithTimeout(ctx, time.Millisecond)
		n, err := conn.WaitForNotification(waitCtx)
		cancel()
		if err != nil {
			return batch // a real failure shows again on the next wait
		}
		batch = append(batch, n)
	}
	return batch
}
