package jobs

import (
	"testing"
	"time"

	"github.com/riverqueue/river"
)

var _ river.PeriodicSchedule = Daily{}

func TestDailyNext(t *testing.T) {
	lux, err := time.LoadLocation("Europe/Luxembourg")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name  string
		sched Daily
		from  string
		want  string
	}{
		{"later today", DailyAt(3, 0, nil), "2026-05-10T01:59:00Z", "2026-05-10T03:00:00Z"},
		{"exactly at the time: tomorrow", DailyAt(3, 0, nil), "2026-05-10T03:00:00Z", "2026-05-11T03:00:00Z"},
		{"just after: tomorrow", DailyAt(3, 0, nil), "2026-05-10T03:00:00.001Z", "2026-05-11T03:00:00Z"},
		{"across a month end", DailyAt(23, 45, nil), "2026-01-31T23:50:00Z", "2026-02-01T23:45:00Z"},
		{"across a year end", DailyAt(0, 0, nil), "2026-12-31T12:00:00Z", "2027-01-01T00:00:00Z"},
		{"leap day", DailyAt(6, 30, nil), "2028-02-28T07:00:00Z", "2028-02-29T06:30:00Z"},
		{"a zone: local 03:00 is 01:00 UTC in summer", DailyAt(3, 0, lux), "2026-07-01T00:00:00Z", "2026-07-01T01:00:00Z"},
		{"a zone: the local date decides the day", DailyAt(0, 30, lux), "2026-07-01T22:10:00Z", "2026-07-01T22:30:00Z"},
		{"spring forward: the day before", DailyAt(3, 0, lux), "2026-03-28T02:00:00Z", "2026-03-29T01:00:00Z"},
		{"spring forward: a skipped time runs an hour later", DailyAt(2, 30, lux), "2026-03-28T01:30:00Z", "2026-03-29T01:30:00Z"},
		{"spring forward: and the day after", DailyAt(2, 30, lux), "2026-03-29T01:30:00Z", "2026-03-30T00:30:00Z"},
		{"fall back: 25 hours after the day before", DailyAt(3, 0, lux), "2026-10-24T01:00:00Z", "2026-10-25T02:00:00Z"},
		{"fall back: a repeated time runs once", DailyAt(2, 30, lux), "2026-10-24T00:30:00Z", "2026-10-25T01:30:00Z"},
		{"fall back: and not again in its second occurrence", DailyAt(2, 30, lux), "2026-10-25T01:30:00Z", "2026-10-26T01:30:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.sched.Next(utc(tt.from)); !got.Equal(utc(tt.want)) {
				t.Errorf("%s: Next(%s) = %s, want %s", tt.sched, tt.from, got.UTC().Format(time.RFC3339), tt.want)
			}
		})
	}
}

// TestDailyOncePerDay walks a year of a zone with two clock changes, as
// River does (each run's time gives the next): one run per local day.
func TestDailyOncePerDay(t *testing.T) {
	lux, err := time.LoadLocation("Europe/Luxembourg")
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range [][2]int{{2, 30}, {3, 0}, {0, 0}, {23, 59}} {
		sched := DailyAt(at[0], at[1], lux)
		run := sched.Next(time.Date(2026, 1, 1, 0, 0, 0, 0, lux).Add(-time.Nanosecond))
		seen := map[string]bool{}
		for run.In(lux).Year() == 2026 {
			day := run.In(lux).Format(time.DateOnly)
			if seen[day] {
				t.Fatalf("%s: two runs on %s", sched, day)
			}
			seen[day] = true
			next := sched.Next(run)
			if gap := next.Sub(run); gap < 23*time.Hour || gap > 25*time.Hour {
				t.Fatalf("%s: %s after %s, a gap of %s", sched, next, run, gap)
			}
			run = next
		}
		if len(seen) != 365 {
			t.Errorf("%s: %d runs in 2026, want 365", sched, len(seen))
		}
	}
}

func TestDailyAtRejectsImpossibleTimes(t *testing.T) {
	for _, at := range [][2]int{{24, 0}, {-1, 0}, {3, 60}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("DailyAt(%d, %d) accepted", at[0], at[1])
				}
			}()
			DailyAt(at[0], at[1], nil)
		}()
	}
}
