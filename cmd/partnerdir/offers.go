package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/offers"
)

// openOffers builds the offers store and its mail outbox.
func (a *app) openOffers() (*offers.Store, error) {
	outbox, err := mail.NewOutbox(a.jobs, a.cfg.MailFrom, a.mails)
	if err != nil {
		return nil, err
	}
	return offers.NewStore(a.pool, offers.Config{
		Outbox:      outbox,
		Secret:      a.offersSecret(),
		TriageEmail: a.cfg.TriageEmail,
		BaseURL:     a.cfg.BaseURL.String(),
		Limits:      offers.DefaultLimits(),
		// OFFER_RESPONSE_TARGET, counted in working days.
		ResponseTarget: a.cfg.ResponseTarget,
	})
}

// retention is OFFER_RETENTION and OFFER_SPAM_RETENTION.
func (a *app) retention() offers.Retention {
	return offers.Retention{Closed: a.cfg.RetentionClosed, Spam: a.cfg.RetentionSpam}
}

// offersCommand runs "partnerdir offers purge": anonymise now the offers
// past their retention (the server also does it daily).
func offersCommand(ctx context.Context, e env) error {
	if len(e.args) != 1 || e.args[0] != "purge" {
		return errUsage
	}
	a, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer a.close()
	st, err := a.openOffers()
	if err != nil {
		return err
	}
	r := a.retention()
	n, err := st.Purge(ctx, audit.System("cli"), r)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "anonymised %d offer(s): closed more than %s ago, or spam for more than %s\n", n, r.Closed, r.Spam)
	return nil
}

// offersSecret derives the key that signs offer forms and hashes IP
// addresses from the first session key, so every instance agrees on it.
// Without session keys (development only) it is random per process.
func (a *app) offersSecret() []byte {
	if len(a.cfg.SessionKeys) == 0 {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		return b
	}
	m := hmac.New(sha256.New, a.cfg.SessionKeys[0].Auth)
	m.Write([]byte("partnerdir offers form and IP hash key"))
	return m.Sum(nil)
}

// addOfferWorkers registers the mail delivery worker (SMTP_URL,
// MAIL_FROM) and the retention worker, and returns the retention's daily
// schedule.
func (a *app) addOfferWorkers(workers *river.Workers, st *offers.Store) ([]*river.PeriodicJob, error) {
	sender, err := mail.NewSMTP(a.cfg.SMTPURL, a.cfg.MailFrom)
	if err != nil {
		return nil, err
	}
	if err := river.AddWorkerSafely(workers, mail.NewWorker(a.pool, sender, a.log)); err != nil {
		return nil, err
	}
	if err := river.AddWorkerSafely(workers, offers.NewPurgeWorker(st, a.retention(), a.log)); err != nil {
		return nil, err
	}
	return []*river.PeriodicJob{offers.PurgePeriodic()}, nil
}
