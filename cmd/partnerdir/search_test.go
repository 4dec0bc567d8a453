package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/meilisearch/meilisearch-go"

	"github.com/partnerdir/partnerdir/internal/app/apptest"
	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
	"github.com/partnerdir/partnerdir/internal/search"
)

// TestSearchReindexAndVerify drives the commands as an operator would:
// reindex, verify, break the index, verify (drift reported), repair.
func TestSearchReindexAndVerify(t *testing.T) {
	meiliURL, key := apptest.RequireMeili(t)
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	index := "c_" + hex.EncodeToString(b)
	master := meilisearch.New(meiliURL, meilisearch.WithAPIKey(key))
	t.Cleanup(func() {
		ctx := context.Background()
		if res, err := master.ListIndexes(ctx, &meilisearch.IndexesQuery{Limit: 1000}); err == nil {
			for _, i := range res.Results {
				if i.UID == index || strings.HasPrefix(i.UID, index+"_") {
					_, _ = master.DeleteIndex(ctx, i.UID)
				}
			}
		}
		search.DeleteKeys(ctx, meiliURL, key, index)
	})
	dbURL := pgtest.NewDB(t)
	settings := map[string]string{"DATABASE_URL": dbURL, "MEILI_URL": meiliURL, "MEILI_MASTER_KEY": key, "MEILI_INDEX": index}
	vars := func(k string) string { return settings[k] }
	ctx := context.Background()
	var out bytes.Buffer
	cmd := func(args ...string) error {
		out.Reset()
		return run(ctx, args, vars, nil, &out, &out)
	}
	for _, args := range [][]string{{"migrate", "up"}, {"seed", "demo"}, {"search", "reindex"}, {"search", "verify"}} {
		if err := cmd(args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out.String())
		}
	}
	if !strings.Contains(out.String(), "meilisearch: in step") || !strings.Contains(out.String(), "fallback: in step") {
		t.Errorf("verify after reindex:\n%s", out.String())
	}

	// Drift: a document removed from Meilisearch, a stale fallback row.
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var id int64
	if err := conn.QueryRow(ctx, `UPDATE search_documents SET digest = 'old' WHERE organisation_id = (SELECT id FROM organisations WHERE slug = 'ecpat-luxembourg') RETURNING organisation_id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	var other int64
	if err := conn.QueryRow(ctx, `SELECT id FROM organisations WHERE slug = 'sahel-eau-vive'`).Scan(&other); err != nil {
		t.Fatal(err)
	}
	task, err := master.Index(index).DeleteDocument(ctx, strconv.FormatInt(other, 10), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := master.WaitForTask(ctx, task.TaskUID, 0); err != nil {
		t.Fatal(err)
	}
	err = cmd("search", "verify")
	if err == nil || !strings.Contains(out.String(), "meilisearch: 1 missing ["+strconv.FormatInt(other, 10)+"]") ||
		!strings.Contains(out.String(), "fallback: 0 missing [], 0 extra [], 1 stale ["+strconv.FormatInt(id, 10)+"]") {
		t.Errorf("verify with drift: %v\n%s", err, out.String())
	}
	if err := cmd("search", "verify", "--repair"); err != nil || !strings.Contains(out.String(), "repaired: 2 organisations") {
		t.Errorf("verify --repair: %v\n%s", err, out.String())
	}
	if err := cmd("search", "verify"); err != nil {
		t.Errorf("verify after repair: %v\n%s", err, out.String())
	}

	// The articles index: rebuilt by reindex, checked and repaired by verify.
	if err := cmd("search", "reindex"); err != nil || !strings.Contains(out.String(), `reindex: 4 articles indexed and swapped in as "`+index+`_articles"`) ||
		!strings.Contains(out.String(), "reindex: 14 organisations indexed") {
		t.Errorf("reindex: %v\n%s", err, out.String())
	}
	var article int64
	if err := conn.QueryRow(ctx, `SELECT id FROM articles WHERE slug = 'we-love-ecpat'`).Scan(&article); err != nil {
		t.Fatal(err)
	}
	task, err = master.Index(index+"_articles").DeleteDocument(ctx, strconv.FormatInt(article, 10), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := master.WaitForTask(ctx, task.TaskUID, 0); err != nil {
		t.Fatal(err)
	}
	if err := cmd("search", "verify"); err == nil || !strings.Contains(out.String(), "articles meilisearch: 1 missing ["+strconv.FormatInt(article, 10)+"]") ||
		!strings.Contains(out.String(), "organisations meilisearch: in step") {
		t.Errorf("verify with an article missing: %v\n%s", err, out.String())
	}
	if err := cmd("search", "verify", "--repair"); err != nil || !strings.Contains(out.String(), "repaired: 0 organisations and 1 articles re-synced") {
		t.Errorf("repair of the article: %v\n%s", err, out.String())
	}
	if err := cmd("search", "frobnicate"); err == nil {
		t.Error("unknown search command accepted")
	}
}
