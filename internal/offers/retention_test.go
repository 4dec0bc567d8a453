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

func TestDonorExportAndErasure(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits())
	staff := e.staff(t)
	a := e.submit(t, submission("ecpat-luxembourg", directory.SupportDonation, "Jane.Doe@example.com", "en"))
	e.submit(t, submission("enfance-et-avenir-international", directory.SupportSkills, "jane.doe@example.com", "en"))
	other := e.submit(t, submission("ecpat-luxembourg", directory.SupportDonation, "someone@example.com", "fr"))
	if err := e.store.AddNote(ctx(), staff, a.ID, "Prefers to be called in the morning."); err != nil {
		t.Fatal(err)
	}
	x, err := e.store.ExportDonor(ctx(), staff, "jane.doe@EXAMPLE.com")
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Offers) != 2 || x.Offers[0].Reference != a.Reference || len(x.Offers[0].Notes) != 1 || len(x.Offers[0].Mails) != 2 {
		t.Fatalf("export: %+v", x)
	}
	erased, err := e.store.EraseDonor(ctx(), staff, "jane.doe@example.com")
	if err != nil || erased.Offers != 2 {
		t.Fatalf("erased %d (%v), want 2", erased.Offers, err)
	}
	if x, err := e.store.ExportDonor(ctx(), staff, "jane.doe@example.com"); err != nil || len(x.Offers) != 0 {
		t.Errorf("after erasure the export still finds %d offers (%v)", len(x.Offers), err)
	}
	if c := e.count(t, `SELECT count(*) FROM mail_messages WHERE to_email ILIKE 'jane.doe@%' OR reply_to_email ILIKE 'jane.doe@%'`); c != 0 {
		t.Errorf("%d mails still name the donor", c)
	}
	if c := e.count(t, `SELECT count(*) FROM offers WHERE id = $1 AND donor_email = 'someone@example.com'`, other.ID); c != 1 {
		t.Error("another donor's offer was touched")
	}
	if c := e.count(t, `SELECT count(*) FROM audit_log WHERE action IN ('offer.donor_export', 'offer.donor_erase') AND details::text NOT ILIKE '%jane%'`); c != 3 {
		t.Errorf("audit entries without the address: %d, want 3", c)
	}
}
