package jobs

import (
	"time"

	"github.com/riverqueue/river"
)

// SendMail asks the mail worker to deliver one stored message
// (a mail_messages row). The row, not the job, decides whether the message
// still needs sending, so a duplicate or retried job never sends twice.
type SendMail struct {
	MessageID int64 `json:"message_id"`
}

// Kind names the job type.
func (SendMail) Kind() string { return "send_mail" }

// InsertOpts puts mail jobs on their own queue.
func (SendMail) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMail}
}

// PurgeOffers asks for the offers past their retention to be anonymised.
type PurgeOffers struct{}

// Kind names the job type.
func (PurgeOffers) Kind() string { return "purge_offers" }

// InsertOpts puts the purge on the maintenance queue, once at a time.
func (PurgeOffers) InsertOpts() river.InsertOpts { return retentionOpts() }

// PurgePersonalData asks for the personal data past PERSONAL_DATA_RETENTION
// to leave: login counters, expired sessions, what audit entries and
// account mails say about people (accounts.PurgePersonalData).
type PurgePersonalData struct{}

// Kind names the job type.
func (PurgePersonalData) Kind() string { return "purge_personal_data" }

// InsertOpts puts the purge on the maintenance queue, once at a time.
func (PurgePersonalData) InsertOpts() river.InsertOpts { return retentionOpts() }

// retentionOpts are the insert options of the daily retention jobs: the
// maintenance queue, and one job per hour, so the run every server starts
// with and the scheduled one of several instances come to one.
func retentionOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintenance, UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
}
