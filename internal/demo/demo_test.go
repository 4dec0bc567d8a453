package demo_test

import (
	"context"
	"strings"
	"testing"

	"github.com/partnerdir/partnerdir/internal/demo"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
)

func TestLoadTwiceChangesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	store := directory.NewStore(pool, nil)
	const state = `SELECT format('%s orgs, %s offices, %s members, %s projects, %s contacts, %s rules, %s themes, %s audit, max updated %s',
		(SELECT count(*) FROM organisations), (SELECT count(*) FROM offices), (SELECT count(*) FROM team_members),
		(SELECT count(*) FROM projects), (SELECT count(*) FROM contact_points), (SELECT count(*) FROM routing_rules),
		(SELECT count(*) FROM themes), (SELECT count(*) FROM audit_log), (SELECT max(updated_at) FROM organisations))`
	first, err := demo.Load(ctx, pool, store)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Created) < 12 || first.Created[0] != "ecpat-luxembourg" {
		t.Fatalf("first load created %v", first.Created)
	}
	var before, after string
	if err := pool.QueryRow(ctx, state).Scan(&before); err != nil {
		t.Fatal(err)
	}
	second, err := demo.Load(ctx, pool, store)
	if err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, state).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if len(second.Created) != 0 || len(second.Skipped) != len(first.Created) {
		t.Errorf("second load created %v, skipped %d", second.Created, len(second.Skipped))
	}
	if before != after {
		t.Errorf("second load changed the database:\nbefore: %s\nafter:  %s", before, after)
	}
}

func TestFictionalOrganisationsUseExampleAddresses(t *testing.T) {
	for _, o := range demo.Organisations()[1:] {
		for _, c := range o.Contacts {
			if !strings.HasSuffix(c.Email, ".example.org") {
				t.Errorf("%s: contact %s is not at example.org", o.Slug, c.Email)
			}
		}
	}
}
