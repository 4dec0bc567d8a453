package directory_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/partnerdir/partnerdir/internal/demo/demotest"
	"github.com/partnerdir/partnerdir/internal/directory"
)

// TestEachProfileGivesEveryPublicProfile: the bulk walk, in batches of any
// size, gives each published organisation once, with what its public page
// shows (offices, public team, projects) and its public contact points,
// and no unpublished organisation.
func TestEachProfileGivesEveryPublicProfile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, store := demotest.Load(t)
	if _, err := pool.Exec(ctx, `UPDATE contact_points SET visibility = 'public'
		WHERE id = (SELECT default_contact_id FROM organisations WHERE slug = 'ecpat-luxembourg')`); err != nil {
		t.Fatal(err)
	}
	var published int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM organisations WHERE status = 'published'`).Scan(&published); err != nil {
		t.Fatal(err)
	}
	for _, batch := range []int{1, 2, published, directory.MaxExportBatch} {
		seen := map[string]bool{}
		err := store.EachProfile(ctx, batch, func(p *directory.Profile) error {
			if seen[p.Slug] {
				t.Errorf("batch %d: %s twice", batch, p.Slug)
			}
			seen[p.Slug] = true
			page, err := store.Profile(ctx, p.Slug, directory.ProfileOptions{})
			if err != nil {
				return err
			}
			page.Contacts = p.Contacts // a page does not read them
			if !reflect.DeepEqual(p, page) {
				t.Errorf("batch %d: %s differs from its page:\n%+v\n%+v", batch, p.Slug, p, page)
			}
			for _, c := range p.Contacts {
				if !c.Public {
					t.Errorf("%s: private contact point %s", p.Slug, c.Email)
				}
			}
			if p.Slug == "ecpat-luxembourg" && (len(p.Contacts) != 1 || p.Contacts[0].Email != "c.wantz@ecpat.lu" || !p.Contacts[0].Default) {
				t.Errorf("ECPAT's public contact points: %+v", p.Contacts)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(seen) != published {
			t.Errorf("batch %d: %d profiles, want the %d published", batch, len(seen), published)
		}
	}
	stop := errors.New("stop")
	n := 0
	if err := store.EachProfile(ctx, 2, func(*directory.Profile) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Errorf("an error of fn: %v after %d calls", err, n)
	}
	if err := store.EachProfile(ctx, directory.MaxExportBatch+1, func(*directory.Profile) error { return nil }); err == nil {
		t.Error("a batch over the bound was accepted")
	}
}
