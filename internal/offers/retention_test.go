package offers_test

import (
	"testing"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/offers"
)

func TestPurgeAnonymisesOffersPastRetention(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits())
	staff := e.staff(t)
	oldClosed := e.submit(t, submission("ecpat-luxembourg", directory.SupportDonation, "old@example.com", "fr"))
	newClosed := e.submit(t, submission("ecpat-luxembourg", directory.SupportDonation, "recent@example.com", "fr"))
	oldSpam := e.submit(t, submission("ecpat-luxembourg", directory.SupportOther, "spam@example.com", "fr"))
	open := e.submit(t, submission("ecpat-luxembourg", directory.SupportGoods, "open@example.com", "fr"))
	for _, id := range []int64{oldClosed.ID, newClosed.ID} {
		if err := e.store.ChangeStatus(ctx(), staff, id, offers.StatusClosed, 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.store.MarkSpam(ctx(), staff, []int64{oldSpam.ID}); err != nil {
		t.Fatal(err)
	}
	if err := e.store.AddNote(ctx(), staff, oldClosed.ID, "Donor called back from +352 000"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Exec(ctx(), `
		UPDATE offers SET closed_at = now() - interval '13 months', created_at = now() - interval '14 months', updated_at = now() - interval '13 months' WHERE id = $1;
		`, oldClosed.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Exec(ctx(), `UPDATE offers SET updated_at = now() - interval '31 days' WHERE id = $1`, oldSpam.ID); err != nil {
		t.Fatal(err)
	}

	n, err := e.store.Purge(ctx(), audit.System("test"), offers.DefaultRetention())
	if err != nil || n != 2 {
		t.Fatalf("purged %d (%v), want 2", n, err)
	}
	for _, id := range []int64{oldClosed.ID, oldSpam.ID} {
		if c := e.count(t, `SELECT count(*) FROM offers WHERE id = $1 AND donor_email = '' AND donor_name = '' AND message = '' AND ip_hash = '' AND anonymised_at IS NOT NULL`, id); c != 1 {
			t.Errorf("offer %d not anonymised", id)
		}
	}
	if c := e.count(t, `SELECT count(*) FROM mail_messages WHERE offer_id = ANY($1) AND (to_email LIKE '%@example.com' OR text_body <> '' OR reply_to_email <> '')`,
		[]int64{oldClosed.ID, oldSpam.ID}); c != 0 {
		t.Errorf("%d mails still hold the donor's data", c)
	}
	if c := e.count(t, `SELECT count(*) FROM offer_notes WHERE offer_id = $1`, oldClosed.ID); c != 0 {
		t.Errorf("notes of an anonymised offer kept: %d", c)
	}
	if c := e.count(t, `SELECT count(*) FROM offers WHERE id = ANY($1) AND anonymised_at IS NULL AND donor_email <> ''`, []int64{newClosed.ID, open.ID}); c != 2 {
		t.Errorf("offers within retention touched: %d intact, want 2", c)
	}
	// A second run finds nothing more.
	if n, err := e.store.Purge(ctx(), audit.System("test"), offers.DefaultRetention()); err != nil || n != 0 {
		t.Errorf("second purge: %d, %v", n, err)
	}
}
