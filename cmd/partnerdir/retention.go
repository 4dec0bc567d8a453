package main

import (
	"context"
	"fmt"
	"time"

	"github.com/partnerdir/partnerdir/internal/audit"
)

// retentionRun runs "partnerdir retention run": every retention the daily
// jobs apply, now — the offers' (as offers purge) and the personal data
// around accounts.
func retentionRun(ctx context.Context, e env) error {
	a, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := purgeOffers(ctx, a, e); err != nil {
		return err
	}
	r := a.PersonalDataRetention()
	p, err := a.Accounts.PurgePersonalData(ctx, audit.System("cli"), r)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "personal data older than %s: %d login counter(s) deleted, %d audit entries anonymised, %d mail(s) emptied; %d ended session(s) deleted\n",
		period(r.Period), p.LoginCounters, p.AuditEntries, p.Mails, p.Sessions)
	for _, step := range a.Accounts.PurgeSteps() {
		fmt.Fprintf(e.stdout, "%d %s\n", p.Other[step.Name], step.Label)
	}
	return nil
}

// period says d in days when it is a whole number of them ("90 days").
func period(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}
