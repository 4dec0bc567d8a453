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
func (PurgeOffers) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintenance, UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
}
