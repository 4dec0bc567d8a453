package main

import (
	"context"
	"fmt"

	"github.com/partnerdir/partnerdir/internal/app"
	"github.com/partnerdir/partnerdir/internal/audit"
)

// offersPurge runs "partnerdir offers purge": anonymise now the offers
// past their retention (the server also does it daily).
func offersPurge(ctx context.Context, e env) error {
	a, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	return purgeOffers(ctx, a, e)
}

// purgeOffers anonymises the offers past their retention and says how
// many.
func purgeOffers(ctx context.Context, a *app.App, e env) error {
	r := a.Retention()
	n, err := a.Offers.Purge(ctx, audit.System("cli"), r)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "anonymised %s: closed more than %s ago, or spam for more than %s\n", howMany(n, "offer", "offers"), r.Closed, r.Spam)
	return nil
}
