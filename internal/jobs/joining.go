package jobs

import "github.com/riverqueue/river"

// RemindStaleProfiles asks for the owners of profiles nobody has reviewed
// for a year to be reminded by mail.
type RemindStaleProfiles struct{}

// Kind names the job type.
func (RemindStaleProfiles) Kind() string { return "remind_stale_profiles" }

// InsertOpts puts the reminder run on the maintenance queue.
func (RemindStaleProfiles) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintenance}
}
