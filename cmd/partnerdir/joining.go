package main

import (
	"github.com/riverqueue/river"

	"github.com/partnerdir/partnerdir/internal/joining"
	"github.com/partnerdir/partnerdir/internal/mail"
)

// openJoining builds the store behind "list your organisation", claims
// and review reminders.
func (a *app) openJoining() (*joining.Store, error) {
	outbox, err := mail.NewOutbox(a.jobs, a.cfg.MailFrom, a.mails)
	if err != nil {
		return nil, err
	}
	return joining.NewStore(a.pool, joining.Config{Directory: a.directory, Accounts: a.accounts, Outbox: outbox,
		BaseURL: a.cfg.BaseURL.String()}), nil
}

// addJoiningWorkers registers the review reminder worker and returns its
// daily schedule.
func (a *app) addJoiningWorkers(workers *river.Workers, st *joining.Store) ([]*river.PeriodicJob, error) {
	if err := river.AddWorkerSafely(workers, joining.NewRemindWorker(st, a.log)); err != nil {
		return nil, err
	}
	return []*river.PeriodicJob{joining.RemindPeriodic()}, nil
}
