package newsletter

import (
	"context"
	"fmt"
	"html"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/partnerdir/partnerdir/internal/jobs"
	"github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

// Run says which digests to send.
type Run struct {
	// At is the time of the run: it falls in the period the digests are
	// for, and the articles first published up to CommitMargin before it
	// are the new ones.
	At time.Time
	// Early also serves the subscribers whose digests start within the
	// current period (confirmed since it began): `news digest --now`. The
	// scheduled run, and the one every server starts with, leave them
	// their first digest at the next period.
	Early bool
}

// Sent is what a run did.
type Sent struct {
	Period string
	// Cutoff is the end of what the digests cover.
	Cutoff time.Time
	// Digests is how many digests were queued.
	Digests int
	// Articles is how many articles were new for someone.
	Articles int
}

// CommitMargin is how far before a run its digests stop: an article
// published in a transaction that started before the run's time but
// commits after it is in the next digest rather than in none.
const CommitMargin = 10 * time.Second

// digestBatch is how many subscribers one transaction serves.
const digestBatch = 500

// maxCandidates bounds the articles a run considers, the newest first,
// and maxWindow how far back: a subscriber whose last digest is older
// gets the latest ones.
const (
	maxCandidates = 5000
	maxWindow     = 400 * 24 * time.Hour
)

// candidate is an article new since some subscriber's last digest.
type candidate struct {
	id        int64
	slug      string
	orgID     int64
	orgName   string
	first     time.Time
	published time.Time
	themes    []int64
	countries []string
	headings  map[string][2]string // lang → title, lead
}

// subscriber is a confirmed subscription as the digest reads it.
type subscriber struct {
	id        int64
	email     string
	lang      string
	themes    []int64
	countries []string
	orgs      []int64
	since     time.Time
}

// wants reports whether a is new for sub and matches their choices: any
// chosen theme, country or organisation (none chosen: every article).
func (sub subscriber) wants(a candidate) bool {
	if !a.first.After(sub.since) {
		return false
	}
	if len(sub.themes)+len(sub.countries)+len(sub.orgs) == 0 || slices.Contains(sub.orgs, a.orgID) {
		return true
	}
	for _, t := range a.themes {
		if slices.Contains(sub.themes, t) {
			return true
		}
	}
	for _, c := range a.countries {
		if slices.Contains(sub.countries, c) {
			return true
		}
	}
	return false
}

// SendDigests queues the digest of r's period for every confirmed
// subscriber who has not had it and has new articles matching their
// choices, in batches of digestBatch subscribers per transaction: the
// digest rows (the idempotency key, unique per subscriber and period),
// the mails with their List-Unsubscribe headers and their delivery jobs
// (inserted in bulk), and the subscribers' new digest_since, together.
//
// Several runs at once — two workers, two instances, a command beside
// the schedule — share the work: each locks the subscribers it serves
// and skips those another run holds, and the unique key makes a
// subscriber's second digest for a period impossible. A subscriber whose
// row another transaction held for that instant (a sign-up, a
// confirmation) waits for the next run, with nothing lost: their digest
// starts where their last one ended.
func (s *Store) SendDigests(ctx context.Context, r Run) (Sent, error) {
	out := Sent{Period: s.schedule.Period(r.At), Cutoff: r.At.Add(-CommitMargin)}
	periodStart := s.schedule.Start(r.At)
	articles, err := s.candidates(ctx, out.Cutoff)
	if err != nil {
		return out, err
	}
	out.Articles = len(articles)
	if len(articles) == 0 {
		return out, nil
	}
	// Subscribers with the same choices get the same digest but for their
	// unsubscribe link: each distinct one is rendered once per run.
	cache := map[string]mail.Message{}
	var after int64
	for {
		var n, last int64
		err := postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
			subs, err := s.batch(ctx, tx, out.Period, after)
			if err != nil || len(subs) == 0 {
				return err
			}
			last, n = subs[len(subs)-1].id, int64(len(subs))
			var picked []subscriber
			var lists [][]candidate
			for _, sub := range subs {
				if !r.Early && !sub.since.Before(periodStart) {
					continue
				}
				var list []candidate
				for _, a := range articles {
					if sub.wants(a) {
						list = append(list, a)
					}
				}
				if len(list) > 0 {
					picked, lists = append(picked, sub), append(lists, list)
				}
			}
			sent, err := s.queue(ctx, tx, out, picked, lists, cache)
			out.Digests += sent
			return err
		})
		if err != nil {
			return out, fmt.Errorf("newsletter: digests of %s: %w", out.Period, err)
		}
		if n < digestBatch {
			return out, nil
		}
		after = last
	}
}

// candidates are the published articles of published organisations first
// published before cutoff and after the oldest digest_since of a
// confirmed subscriber (within maxWindow), newest first.
func (s *Store) candidates(ctx context.Context, cutoff time.Time) ([]candidate, error) {
	rows, _ := s.pool.Query(ctx, `
		WITH since AS (
			SELECT GREATEST(min(digest_since), $1::timestamptz - make_interval(secs => $2)) AS t
			FROM newsletter_subscribers WHERE status = 'confirmed')
		SELECT a.id, a.slug, o.id, o.name, a.first_published_at, a.published_at,
			ARRAY(SELECT theme_id FROM article_themes WHERE article_id = a.id ORDER BY 1),
			ARRAY(SELECT country_code::text FROM article_countries WHERE article_id = a.id ORDER BY 1),
			COALESCE((SELECT json_agg(json_build_array(lang, title, lead) ORDER BY lang = 'en')
				FROM article_translations WHERE article_id = a.id), '[]')
		FROM articles a JOIN organisations o ON o.id = a.organisation_id, since
		WHERE a.status = 'published' AND o.status = 'published'
			AND a.first_published_at > since.t AND a.first_published_at <= $1
		ORDER BY a.first_published_at DESC, a.id DESC
		LIMIT $3`, cutoff, maxWindow.Seconds(), maxCandidates)
	var out []candidate
	var a candidate
	var texts [][]string
	if _, err := pgx.ForEachRow(rows, []any{&a.id, &a.slug, &a.orgID, &a.orgName, &a.first, &a.published, &a.themes, &a.countries, &texts},
		func() error {
			c := a
			c.headings = map[string][2]string{}
			for _, t := range texts {
				if len(t) == 3 {
					c.headings[t[0]] = [2]string{t[1], t[2]}
				}
			}
			out = append(out, c)
			return nil
		}); err != nil {
		return nil, fmt.Errorf("newsletter: new articles: %w", err)
	}
	return out, nil
}

// batch locks the next confirmed subscribers after id after who have no
// digest for period, skipping those another transaction holds.
func (s *Store) batch(ctx context.Context, tx pgx.Tx, period string, after int64) ([]subscriber, error) {
	rows, _ := tx.Query(ctx, `
		SELECT id, email, lang, theme_ids, country_codes, organisation_ids, digest_since
		FROM newsletter_subscribers s
		WHERE status = 'confirmed' AND id > $1
			AND NOT EXISTS (SELECT 1 FROM newsletter_digests d WHERE d.subscriber_id = s.id AND d.period = $2)
		ORDER BY id LIMIT $3
		FOR UPDATE SKIP LOCKED`, after, period, digestBatch)
	subs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (subscriber, error) {
		var x subscriber
		err := r.Scan(&x.id, &x.email, &x.lang, &x.themes, &x.countries, &x.orgs, &x.since)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("subscribers after %d: %w", after, err)
	}
	return subs, nil
}

// queue writes the digest rows of picked (each with its list of
// articles), then the mails of those whose row was new, and moves their
// digest_since to the run's cutoff. It returns how many it queued.
func (s *Store) queue(ctx context.Context, tx pgx.Tx, run Sent, picked []subscriber, lists [][]candidate,
	cache map[string]mail.Message) (int, error) {
	if len(picked) == 0 {
		return 0, nil
	}
	ids, counts := make([]int64, len(picked)), make([]int32, len(picked))
	for i, sub := range picked {
		ids[i], counts[i] = sub.id, int32(len(lists[i]))
	}
	rows, _ := tx.Query(ctx, `
		INSERT INTO newsletter_digests (subscriber_id, period, articles)
		SELECT sid, $2, n FROM unnest($1::bigint[], $3::int[]) AS x(sid, n)
		ON CONFLICT ON CONSTRAINT newsletter_digests_once DO NOTHING
		RETURNING subscriber_id, id`, ids, run.Period, counts)
	digestOf := map[int64]int64{}
	var sid, did int64
	if _, err := pgx.ForEachRow(rows, []any{&sid, &did}, func() error {
		digestOf[sid] = did
		return nil
	}); err != nil {
		return 0, fmt.Errorf("digest rows: %w", err)
	}
	var msgs []mail.Message
	var digestIDs, served []int64
	for i, sub := range picked {
		did, ok := digestOf[sub.id]
		if !ok {
			continue // another run served them meanwhile
		}
		msg, err := s.digestMessage(sub, lists[i], cache)
		if err != nil {
			return 0, err
		}
		msgs = append(msgs, msg)
		digestIDs, served = append(digestIDs, did), append(served, sub.id)
	}
	mailIDs, err := s.outbox.StoreManyTx(ctx, tx, msgs)
	if err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `
		UPDATE newsletter_digests d SET mail_id = x.mid FROM unnest($1::bigint[], $2::bigint[]) AS x(did, mid)
		WHERE d.id = x.did`, digestIDs, mailIDs); err != nil {
		return 0, fmt.Errorf("digest mails: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE newsletter_subscribers SET digest_since = $2, updated_at = now() WHERE id = ANY($1)`,
		served, run.Cutoff); err != nil {
		return 0, fmt.Errorf("digest_since: %w", err)
	}
	return len(served), nil
}

// DigestMail is what a digest tells: the new articles, how many more
// matched than it lists, and the links to the news, to new choices and
// to unsubscribing.
type DigestMail struct {
	Articles []DigestArticle
	// Total is how many articles were new; More how many of them the
	// mail does not list.
	Total   int
	More    int
	NewsURL string
	// ChoicesURL is the form, to choose again.
	ChoicesURL     string
	UnsubscribeURL string
}

// DigestArticle is one article of a digest, in the subscriber's language
// when it is written in it (Lang says which).
type DigestArticle struct {
	Title, Lead, Lang string
	Organisation      string
	URL               string
	// The date it shows.
	Day, Month, Year int
}

// unsubscribePlaceholder stands for the subscriber's unsubscribe link in
// a digest rendered once for everyone with the same choices.
const unsubscribePlaceholder = "https://unsubscribe.invalid/newsletter-placeholder"

// digestMessage is sub's digest of list (newest first): rendered once
// per language and list (cache), then given sub's address, unsubscribe
// link and List-Unsubscribe headers.
func (s *Store) digestMessage(sub subscriber, list []candidate, cache map[string]mail.Message) (mail.Message, error) {
	var key strings.Builder
	key.WriteString(sub.lang)
	for _, a := range list {
		key.WriteString("," + strconv.FormatInt(a.id, 10))
	}
	msg, ok := cache[key.String()]
	if !ok {
		var err error
		if msg, err = s.outbox.Render(s.digestMail(sub.lang, list)); err != nil {
			return mail.Message{}, err
		}
		cache[key.String()] = msg
	}
	link := s.UnsubscribeURL(sub.id)
	msg.To = mail.Address{Email: sub.email}
	msg.Text = strings.ReplaceAll(msg.Text, unsubscribePlaceholder, link)
	msg.HTML = strings.ReplaceAll(msg.HTML, unsubscribePlaceholder, html.EscapeString(link))
	msg.Headers = []mail.Header{
		{Name: "List-Unsubscribe", Value: "<" + link + ">"},
		{Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click"},
	}
	return msg, nil
}

// digestMail is the digest of list (newest first) in lang, its
// unsubscribe link a placeholder (digestMessage).
func (s *Store) digestMail(lang string, list []candidate) mail.Mail {
	d := DigestMail{Total: len(list), NewsURL: s.baseURL + "/news", ChoicesURL: s.baseURL + "/newsletter",
		UnsubscribeURL: unsubscribePlaceholder}
	if len(list) > MaxArticles {
		d.More, list = len(list)-MaxArticles, list[:MaxArticles]
	}
	for _, a := range list {
		al := lang
		h, ok := a.headings[al]
		if !ok {
			for l, x := range a.headings {
				al, h = l, x
				if l == "fr" {
					break
				}
			}
		}
		y, m, day := a.published.In(s.schedule.Location()).Date()
		d.Articles = append(d.Articles, DigestArticle{Title: h[0], Lead: h[1], Lang: al, Organisation: a.orgName,
			URL: s.baseURL + "/news/" + a.slug, Day: day, Month: int(m), Year: y})
	}
	return mail.Mail{Name: PurposeDigest, Langs: []string{lang}, ForgetWhenSent: true, Data: d}
}

// DigestWorker sends the digests of the current period as a scheduled
// job (jobs.SendDigests).
type DigestWorker struct {
	river.WorkerDefaults[jobs.SendDigests]
	store *Store
	log   *slog.Logger
}

// NewDigestWorker returns the worker of the digests; schedule it with
// jobs.Periodic(store.Schedule(), jobs.SendDigests{}).
func NewDigestWorker(store *Store, log *slog.Logger) *DigestWorker {
	return &DigestWorker{store: store, log: log}
}

// Timeout leaves a large list its time: a run cut short goes on where it
// stopped when retried.
func (w *DigestWorker) Timeout(*river.Job[jobs.SendDigests]) time.Duration { return 30 * time.Minute }

// Work queues the digests of the period it runs in.
func (w *DigestWorker) Work(ctx context.Context, _ *river.Job[jobs.SendDigests]) error {
	sent, err := w.store.SendDigests(ctx, Run{At: w.store.now()})
	if err != nil {
		return err
	}
	w.log.Info("newsletter digests queued", "period", sent.Period, "digests", sent.Digests, "new_articles", sent.Articles)
	return nil
}
