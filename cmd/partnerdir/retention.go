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
	fmt.Fprintf(e.stdout, "personal data older than %s: %s deleted, %s anonymised, %s emptied; %s deleted\n",
		period(r.Period), howMany(p.LoginCounters, "login counter", "login counters"),
		howMany(p.AuditEntries, "audit entry", "audit entries"), howMany(p.Mails, "mail", "mails"),
		howMany(p.Sessions, "ended session", "ended sessions"))
	for _, step := range a.Accounts.PurgeSteps() {
		fmt.Fprintln(e.stdout, howMany(p.Other[step.Name], step.One, step.Other))
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
