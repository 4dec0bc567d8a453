package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"

	"github.com/riverqueue/river"

	"github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/offers"
)

// openOffers builds the offers store and its mail outbox.
func (a *app) openOffers() (*offers.Store, error) {
	outbox, err := mail.NewOutbox(a.jobs, a.cfg.MailFrom)
	if err != nil {
		return nil, err
	}
	return offers.NewStore(a.pool, offers.Config{
		Outbox:      outbox,
		Secret:      a.offersSecret(),
		TriageEmail: a.cfg.TriageEmail,
		BaseURL:     a.cfg.BaseURL.String(),
		Limits:      offers.DefaultLimits(),
	})
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

// addMailWorker registers the mail delivery worker (SMTP_URL, MAIL_FROM).
func (a *app) addMailWorker(workers *river.Workers) error {
	sender, err := mail.NewSMTP(a.cfg.SMTPURL, a.cfg.MailFrom)
	if err != nil {
		return err
	}
	return river.AddWorkerSafely(workers, mail.NewWorker(a.pool, sender, a.log))
}
