// Package importing owns bulk imports of organisations: the engine that
// takes a stream of numbered items (organisations as directory profiles,
// or rows a source already refused) and returns a report of what became
// of each — created, updated, unchanged or refused, with the line, field
// and message —, the CSV format (ParseCSV), and the files admins upload
// at /admin/import, kept between their dry run and their confirmation
// (table import_uploads). The directory matches, validates and writes each
// organisation (internal/directory/import.go); this package decides the
// order, refuses what a file repeats, and never lets one row stop the
// others.
package importing

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
)

// Problem is why a row was refused: the field (the source's name for it,
// a CSV column), the message id (web/locales) and the refused value or,
// for a repetition, the earlier line.
type Problem struct {
	Field   string
	Message string
	Value   string
}

// Item is one numbered entry of a source: an organisation to import, or
// the Problems that made the source refuse it. Any source — a CSV file,
// HSDS records — is an iter.Seq[Item]:
//
//	func(yield func(importing.Item) bool) {
//		for i, rec := range records {
//			p, err := hsds.Decode(rec)
//			if err != nil { yield(importing.Refused(i+1, field, messageID, value)); continue }
//			if !yield(importing.Item{Line: i + 1, Profile: p}) { return }
//		}
//	}
type Item struct {
	// Line numbers the item in its source (a CSV line, a record's
	// position): reports name it.
	Line int
	// Profile is the organisation with its offices (told apart by their
	// ID, see directory.Import), team, identifiers, themes, countries,
	// website and social links; nil when refused.
	Profile *directory.Profile
	// Contacts are its contact points; the one marked Default is the
	// default one (see directory.Import.TriageWithoutContact).
	Contacts []directory.ContactPoint
	// Keep names the organisation's fields the source does not carry
	// (directory.ImportFields): an update leaves them as stored.
	Keep []string
	// Column renames the directory's field names ("offices[0].city") to
	// the source's ("hq_city") in reports; nil keeps them.
	Column func(field string) string
	// Problems refuse the item without looking further.
	Problems []Problem
}

// Refused is an item the source refuses for one problem.
func Refused(line int, field, message, value string) Item {
	return Item{Line: line, Problems: []Problem{{Field: field, Message: message, Value: value}}}
}

// The outcomes of a row: directory.ImportCreated, ImportUpdated,
// ImportUnchanged, or Refused.
const OutcomeRefused = "refused"

// Row is what became of one item.
type Row struct {
	Line      int
	Slug      string
	Name      string
	Outcome   string
	ID        int64
	MatchedBy string
	// Changed names what an update changed.
	Changed []string
	// Problems say why a refused row was refused.
	Problems []Problem
}

// Report is what an import did, row by row, in the source's order.
type Report struct {
	DryRun  bool
	Rows    []Row
	Created int
	Updated int
	// Unchanged rows matched an organisation that already holds every
	// value they carry.
	Unchanged int
	Refused   int
}

// OK reports whether every row went in (none was refused).
func (r *Report) OK() bool { return r.Refused == 0 }

// RefusedRows are the rows refused, in order.
func (r *Report) RefusedRows() []Row {
	var out []Row
	for _, row := range r.Rows {
		if row.Outcome == OutcomeRefused {
			out = append(out, row)
		}
	}
	return out
}

func (r *Report) add(row Row) {
	switch row.Outcome {
	case directory.ImportCreated:
		r.Created++
	case directory.ImportUpdated:
		r.Updated++
	case directory.ImportUnchanged:
		r.Unchanged++
	default:
		r.Refused++
	}
	r.Rows = append(r.Rows, row)
}

// Engine imports organisations into the directory.
type Engine struct {
	dir  *directory.Store
	pool *pgxpool.Pool
}

// New returns an engine writing through dir; pool holds the uploaded
// files (Stage, Take).
func New(dir *directory.Store, pool *pgxpool.Pool) *Engine {
	return &Engine{dir: dir, pool: pool}
}

// Options choose how a run goes.
type Options struct {
	// Actor is who imports, in every audit entry: the CLI, the admin.
	Actor audit.Actor
	// DryRun takes every decision and keeps none (see directory.Import).
	DryRun bool
	// Publish makes new organisations published instead of pending.
	Publish bool
	// Progress, when set, is called after each row, in order.
	Progress func(Row)
	// Workers is how many organisations are written at once (0:
	// DefaultWorkers).
	Workers int
}

// DefaultWorkers is how many organisations an import writes at once:
// each is its own transaction, and the database, not this process, is
// where the time goes (BENCHMARKS.md, "Bulk import").
const DefaultWorkers = 4

// Run imports items, one transaction per organisation, Options.Workers
// (DefaultWorkers) at a time, and reports them in the source's order: a
// refused row leaves nothing behind and the others go on. Within one
// source, a row with the slug, an identifier or the website domain of an
// earlier row is refused naming that line (it would be the same
// organisation), whatever became of the earlier one. The error is for a
// failure that is not a row's (the database is gone, ctx ended): the
// report then holds the rows done before it.
func (e *Engine) Run(ctx context.Context, items iter.Seq[Item], o Options) (*Report, error) {
	rep := &Report{DryRun: o.DryRun}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := o.Workers
	if workers <= 0 {
		workers = DefaultWorkers
	}
	type result struct {
		row Row
		err error
	}
	type task struct {
		it   Item
		done chan result
	}
	tasks := make(chan *task)
	// order holds the tasks in the source's order, each already with a
	// worker (or answered): reading it in turn keeps the report in order
	// and bounds how far ahead the workers go.
	order := make(chan *task, 4*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range tasks {
				row, err := e.store(ctx, t.it, o)
				t.done <- result{row, err}
			}
		}()
	}
	go func() {
		defer close(order)
		defer close(tasks)
		seen := map[string]int{}
		for it := range items {
			t := &task{it: it, done: make(chan result, 1)}
			if row, refused := precheck(it, seen); refused {
				t.done <- result{row: row}
			} else {
				select {
				case tasks <- t:
				case <-ctx.Done():
					return
				}
			}
			select {
			case order <- t:
			case <-ctx.Done():
				return
			}
		}
	}()
	var err error
	for t := range order {
		r := <-t.done
		if r.err != nil {
			err = fmt.Errorf("importing: line %d: %w", t.it.Line, r.err)
			break
		}
		rep.add(r.row)
		if o.Progress != nil {
			o.Progress(r.row)
		}
	}
	cancel()
	wg.Wait()
	if err == nil {
		err = parent.Err()
	}
	return rep, err
}

// precheck refuses an item its source refused, or one repeating an
// earlier item of the source (seen: key → line), and otherwise reserves
// its keys.
func precheck(it Item, seen map[string]int) (Row, bool) {
	row := Row{Line: it.Line, Outcome: OutcomeRefused, Problems: it.Problems}
	p := it.Profile
	if p != nil {
		row.Slug, row.Name = p.Slug, p.Name
	}
	if p == nil || len(it.Problems) > 0 {
		if len(row.Problems) == 0 {
			row.Problems = []Problem{{Message: "import.err.empty"}}
		}
		return row, true
	}
	keys := fileKeys(p)
	for _, k := range keys {
		if line, ok := seen[k.key]; ok {
			row.Problems = []Problem{{Field: column(it)(k.field), Message: "import.err.repeated", Value: strconv.Itoa(line)}}
			return row, true
		}
	}
	for _, k := range keys {
		seen[k.key] = it.Line
	}
	return row, false
}

func column(it Item) func(string) string {
	if it.Column == nil {
		return func(f string) string { return f }
	}
	return it.Column
}

// store imports one item that passed precheck.
func (e *Engine) store(ctx context.Context, it Item, o Options) (Row, error) {
	p := it.Profile
	row := Row{Line: it.Line, Outcome: OutcomeRefused, Slug: p.Slug, Name: p.Name}
	// A bulk import publishes what its source names no default contact
	// for: its offers go to the platform's triage (README, "Bulk import").
	res, err := e.dir.Import(ctx, o.Actor, &directory.Import{Profile: p, Contacts: it.Contacts, Keep: it.Keep,
		Publish: o.Publish, TriageWithoutContact: true}, o.DryRun)
	switch fault.KindOf(err) {
	case fault.Internal:
		if err != nil {
			return row, err
		}
	case fault.Invalid, fault.Conflict, fault.NotFound:
		row.Problems = problems(err, column(it))
		return row, nil
	default:
		return row, err
	}
	row.Outcome, row.ID, row.Slug, row.MatchedBy, row.Changed = res.Outcome, res.ID, res.Slug, res.MatchedBy, res.Changed
	return row, nil
}

type fileKey struct{ field, key string }

// fileKeys are what makes two rows of one file the same organisation: its
// slug, each identifier, its website's domain.
func fileKeys(p *directory.Profile) []fileKey {
	keys := []fileKey{{"slug", "slug " + p.Slug}}
	for _, id := range p.Identifiers {
		keys = append(keys, fileKey{"identifier_scheme", "id " + id.Scheme + " " + id.Value})
	}
	if d := directory.WebsiteDomain(p.Website); d != "" {
		keys = append(keys, fileKey{"website", "web " + d})
	}
	return keys
}

// problems lists an error's fields, in order, as the source names them.
func problems(err error, column func(string) string) []Problem {
	fields := fault.FieldsOf(err)
	value := fault.ValueOf(err)
	if len(fields) == 0 {
		id := fault.Message(err)
		if id == "" {
			id = "import.err." + strings.ReplaceAll(fault.KindOf(err).String(), " ", "_")
		}
		return []Problem{{Message: id, Value: value}}
	}
	names := make([]string, 0, len(fields))
	for f := range fields {
		names = append(names, f)
	}
	slices.Sort(names)
	out := make([]Problem, 0, len(names))
	for _, f := range names {
		out = append(out, Problem{Field: column(f), Message: fields[f], Value: value})
	}
	return out
}
