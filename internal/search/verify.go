package search

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/meilisearch/meilisearch-go"
)

// Drift is the difference between the database and one copy of the
// index, as organisation ids.
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

// Report is what Verify found.
type Report struct {
	// Expected is the number of organisations that should be indexed.
	Expected int
	// Indexed and FallbackRows are how many documents each copy holds.
	Indexed      int
	FallbackRows int
	Meili        Drift
	Fallback     Drift
}

// Verify compares the database with the Meilisearch index and the
// fallback table, document by document (by content digest).
func (ix *Indexer) Verify(ctx context.Context) (*Report, error) {
	if err := ix.meili.Setup(ctx); err != nil {
		return nil, err
	}
	admin, err := ix.meili.admin()
	if err != nil {
		return nil, err
	}
	rows, _ := ix.pool.Query(ctx, `SELECT id FROM organisations WHERE status = 'published' ORDER BY id`)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("search: verify: %w", err)
	}
	want := make(map[int64]string, len(ids))
	for lo := 0; lo < len(ids); lo += batchSize {
		docs, _, err := ix.load(ctx, ids[lo:min(lo+batchSize, len(ids))])
		if err != nil {
			return nil, fmt.Errorf("search: verify: %w", err)
		}
		for _, d := range docs {
			want[d.ID] = d.Digest
		}
	}

	indexed := map[int64]string{}
	for offset := int64(0); ; offset += batchSize {
		var res meilisearch.DocumentsResult
		err := admin.Index(ix.meili.Index()).GetDocuments(ctx, &meilisearch.DocumentsQuery{
			Offset: offset, Limit: batchSize, Fields: []string{"id", "digest"}}, &res)
		if err != nil {
			return nil, fmt.Errorf("search: verify: read index: %w", err)
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
	rows, _ = ix.pool.Query(ctx, `SELECT organisation_id, digest FROM search_documents`)
	var id int64
	var digest string
	if _, err := pgx.ForEachRow(rows, []any{&id, &digest}, func() error { fallback[id] = digest; return nil }); err != nil {
		return nil, fmt.Errorf("search: verify: read fallback: %w", err)
	}
	return &Report{
		Expected: len(want), Indexed: len(indexed), FallbackRows: len(fallback),
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

// Repair syncs every organisation r found drifting, in both copies.
func (ix *Indexer) Repair(ctx context.Context, r *Report) (int, error) {
	ids := slices.Concat(r.Meili.ids(), r.Fallback.ids())
	slices.Sort(ids)
	ids = slices.Compact(ids)
	return len(ids), ix.syncAll(ctx, ids)
}
