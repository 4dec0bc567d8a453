package jobs

import (
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// Daily is a River periodic schedule that fires once a day at a fixed
// time of day in a time zone, whatever time the process started.
type Daily struct {
	hour, minute int
	loc          *time.Location
}

// DailyAt returns the schedule that fires every day at hour:minute in loc
// (UTC when loc is nil). On the day a clock change skips that time, it fires
// at the same wall-clock time read in the new offset (02:30 becomes 03:30);
// on the day a clock change repeats it, it fires once.
func DailyAt(hour, minute int, loc *time.Location) Daily {
	if hour < 0 || hour > 23 || minute < 0 || minute > 59 {
		panic(fmt.Sprintf("jobs: DailyAt(%d, %d): not a time of day", hour, minute))
	}
	if loc == nil {
		loc = time.UTC
	}
	return Daily{hour: hour, minute: minute, loc: loc}
}

// Next returns the first time strictly after t at which the schedule fires,
// as river.PeriodicSchedule asks (River passes the previous run time).
func (d Daily) Next(t time.Time) time.Time {
	local := t.In(d.loc)
	y, m, day := local.Date()
	for {
		next := time.Date(y, m, day, d.hour, d.minute, 0, 0, d.loc)
		if next.After(t) {
			return next
		}
		day++
	}
}

// String is the schedule as it is configured, such as "03:00 UTC".
func (d Daily) String() string {
	return fmt.Sprintf("%02d:%02d %s", d.hour, d.minute, d.loc)
}

// Periodic schedules the job args on sched and once when the process
// becomes the job leader: River keeps its schedule in memory only, so a run
// missed while no server was up happens at the next start instead of being
// lost. The job must be idempotent, so that a restart that runs it again
// does no harm.
func Periodic(sched river.PeriodicSchedule, args river.JobArgs) *river.PeriodicJob {
	return river.NewPeriodicJob(sched,
		func() (river.JobArgs, *river.InsertOpts) { return args, nil },
		&river.PeriodicJobOpts{RunOnStart: true})
}
