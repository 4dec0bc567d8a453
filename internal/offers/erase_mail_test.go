package offers_test

import (
	"testing"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/offers"
)

// TestErasureRedactsMailErrors: a refusal stored before the worker
// redacted errors still quotes the donor's address; erasing the donor, or
// the retention purge, leaves no address in the offer's mails.
func TestErasureRedactsMailErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noLimits())
	staff := e.staff(t)
	erased := e.submit(t, submission("ecpat-luxembourg", directory.SupportDonation, "jane.roe@example.com", "en"))
	purged := e.submit(t, submission("ecpat-luxembourg", directory.SupportDonation, "john.roe@example.com", "en"))
	if _, err := e.pool.Exec(ctx(), `
		UPDATE mail_messages SET status = 'failed', attempts = 1,
			last_error = 'permanent failure: 550 5.1.1 <' || (SELECT donor_email FROM offers WHERE id = offer_id) || '>: user unknown'
		WHERE offer_id = ANY($1)`, []int64{erased.ID, purged.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.EraseDonor(ctx(), staff, "jane.roe@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := e.store.ChangeStatus(ctx(), staff, purged.ID, offers.StatusClosed, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Exec(ctx(), `UPDATE offers SET closed_at = now() - interval '13 months' WHERE id = $1`, purged.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := e.store.Purge(ctx(), audit.System("test"), offers.DefaultRetention()); err != nil || n != 1 {
		t.Fatalf("purged %d (%v), want 1", n, err)
	}
	if c := e.count(t, `SELECT count(*) FROM mail_messages WHERE offer_id = ANY($1)
		AND last_error <> 'permanent failure: 550 5.1.1 <[address]>: user unknown'`, []int64{erased.ID, purged.ID}); c != 0 {
		t.Errorf("%d mails lost the error's code or kept more than it", c)
	}
	if c := e.count(t, `SELECT count(*) FROM mail_messages WHERE offer_id = ANY($1)
		AND concat_ws(' ', to_email, reply_to_email, last_error, subject, text_body, html_body) ILIKE '%roe@example.com%'`,
		[]int64{erased.ID, purged.ID}); c != 0 {
		t.Errorf("%d mails still hold the donor's address", c)
	}
}
