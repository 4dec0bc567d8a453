package jobs

import (
	"time"

	"github.com/riverqueue/river"
)

// SendDigests asks for the newsletter's digest of the current period to
// be queued for every confirmed subscriber who has not had it yet
// (newsletter.Store.SendDigests): a second job in the same period sends
// nothing more.
type SendDigests struct{}

// Kind names the job type.
func (SendDigests) Kind() string { return "send_newsletter_digests" }

// InsertOpts puts the digest on the maintenance queue, one job per hour:
// the run every server starts with and the scheduled ones of several
// instances come to one (and would send nothing twice anyway).
func (SendDigests) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintenance, UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
}
