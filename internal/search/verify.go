package search

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/meilisearch/meilisearch-go"
)

// Drift is the difference between the database and one copy of an
// index, as document ids (organisations' or articles').
type Drift struct {
	// Missing should be indexed and are not.
	Missing []int64
	// Extra are indexed and should not be (unpublished, suspended, gone).
	Extra []int64
	// Stale are indexed with content that differs from the database.
	Stale []int64
}

// Empty reports whether there is no drift.
func (d Drift) Empty() bool { return len(d.Missing)+len(d.Extra)+len(d.Stale) == 0 }

func (d Drift) ids() []int64 {
	all := slices.Concat(d.Missing, d.Extra, d.Stale)
	slices.Sort(all)
	return slices.Compact(all)
}

// Report is what Verify found for one index.
type Report struct {
	Kind Kind
	UID  string
	// Expected is the number of documents that should be indexed.
	Expected int
	// Indexed and FallbackRows are how many documents each copy holds.
	Indexed      int
	FallbackRows int
	Meili        Drift
	Fallback     Drift
}

// Empty reports whether both copies are in step.
func (r *Report) Empty() bool { return r.Meili.Empty() && r.Fallback.Empty() }

// Reports are Verify's findings, one per declared index, in order.
type Reports []*Report

// Empty reports whether every index is in step.
func (rs Reports) Empty() bool {
	for _, r := range rs {
		if !r.Empty() {
			return false
		}
	}
	return true
}

// Of is the report of index kind (an empty one when it was not verified).
func (rs Reports) Of(kind Kind) *Report {
	for _, r := range rs {
		if r.Kind == kind {
			return r
		}
	}
	return &Report{Kind: kind}
}

// Verify compares the database with every Meilisearch index and its
// fallback table, document by document (by content digest).
func (ix *Indexer) Verify(ctx context.Context) (Reports, error) {
	if err := ix.meili.Setup(ctx); err != nil {
		return nil, err
	}
	var out Reports
	for _, kind := range ix.meili.Kinds() {
		r, err := ix.verify(ctx, kind)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func (ix *Indexer) verify(ctx context.Context, kind Kind) (*Report, error) {
	src, err := sourceOf(kind)
	if err != nil {
		return nil, err
	}
	admin, err := ix.meili.admin()
	if err != nil {
		return nil, err
	}
	uid := ix.meili.UID(kind)
	rows, _ := ix.pool.Query(ctx, src.expected)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("search: verify %s: %w", kind, err)
	}
	want := make(map[int64]string, len(ids))
	for lo := 0; lo < len(ids); lo += batchSize {
		docs, _, err := ix.load(ctx, src, ids[lo:min(lo+batchSize, len(ids))])
		if err != nil {
			return nil, fmt.Errorf("search: verify %s: %w", kind, err)
		}
		for _, d := range docs {
			want[d.docID()] = d.docDigest()
		}
	}

	indexed := map[int64]string{}
	for offset := int64(0); ; offset += batchSize {
		var res meilisearch.DocumentsResult
		err := admin.Index(uid).GetDocuments(ctx, &meilisearch.DocumentsQuery{
			Offset: offset, Limit: batchSize, Fields: []string{"id", "digest"}}, &res)
		if err != nil {
			return nil, fmt.Errorf("search: verify: read index %s: %w", uid, err)
		}
		var page []struct {
			ID     int64  `json:"id"`
			Digest string `json:"digest"`
		}
		if err := res.Results.DecodeInto(&page); err != nil {
			return nil, fmt.Errorf("search: verify: decode documents: %w", err)
		}
		for _, d := range page {
			indexed[d.ID] = d.Digest
		}
		if len(page) < batchSize {
			break
		}
	}

	fallback := map[int64]string{}
	rows, _ = ix.pool.Query(ctx, `SELECT `+src.key+`, digest FROM `+src.table)
	var id int64
	var digest string
	if _, err := pgx.ForEachRow(rows, []any{&id, &digest}, func() error { fallback[id] = digest; return nil }); err != nil {
		return nil, fmt.Errorf("search: verify: read fallback: %w", err)
	}
	return &Report{
		Kind: kind, UID: uid, Expected: len(want), Indexed: len(indexed), FallbackRows: len(fallback),
		Meili: diff(want, indexed), Fallback: diff(want, fallback),
	}, nil
}

func diff(want, have map[int64]string) Drift {
	var d Drift
	for id, w := range want {
		h, ok := have[id]
		switch {
		case !ok:
			d.Missing = append(d.Missing, id)
		case h != w:
			d.Stale = append(d.Stale, id)
		}
	}
	for id := range have {
		if _, ok := want[id]; !ok {
			d.Extra = append(d.Extra, id)
		}
	}
	slices.Sort(d.Missing)
	slices.Sort(d.Extra)
	slices.Sort(d.Stale)
	return d
}

// Repair syncs every document rs found drifting, in both copies of its
// index, and returns how many it synced per index.
func (ix *Indexer) Repair(ctx context.Context, rs Reports) (map[Kind]int, error) {
	n := map[Kind]int{}
	var errs []error
	for _, r := range rs {
		ids := slices.Concat(r.Meili.ids(), r.Fallback.ids())
		slices.Sort(ids)
		ids = slices.Compact(ids)
		n[r.Kind] = len(ids)
		if err := ix.syncAll(ctx, r.Kind, ids); err != nil {
			errs = append(errs, err)
		}
	}
	return n, errors.Join(errs...)
}
