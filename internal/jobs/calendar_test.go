package jobs

import (
	"testing"
	"time"

	"github.com/riverqueue/river"
)

var _ river.PeriodicSchedule = Calendar{}

func TestCalendar(t *testing.T) {
	lux, err := time.LoadLocation("Europe/Luxembourg")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name               string
		sched              Calendar
		from               string
		next, start, name2 string
	}{
		{"monthly: later this month", Monthly(1, DailyAt(3, 0, nil)), "2026-06-14T10:00:00Z",
			"2026-07-01T03:00:00Z", "2026-06-01T03:00:00Z", "monthly:2026-06-01"},
		{"monthly: on the day, before the time", Monthly(1, DailyAt(3, 0, nil)), "2026-06-01T02:59:00Z",
			"2026-06-01T03:00:00Z", "2026-05-01T03:00:00Z", "monthly:2026-05-01"},
		{"monthly: exactly at the time opens the period", Monthly(1, DailyAt(3, 0, nil)), "2026-06-01T03:00:00Z",
			"2026-07-01T03:00:00Z", "2026-06-01T03:00:00Z", "monthly:2026-06-01"},
		{"monthly: across a year end", Monthly(15, DailyAt(6, 30, nil)), "2026-12-20T00:00:00Z",
			"2027-01-15T06:30:00Z", "2026-12-15T06:30:00Z", "monthly:2026-12-15"},
		{"monthly: day 28 in February", Monthly(28, DailyAt(0, 0, nil)), "2027-02-28T12:00:00Z",
			"2027-03-28T00:00:00Z", "2027-02-28T00:00:00Z", "monthly:2027-02-28"},
		{"weekly on friday", Weekly(time.Friday, DailyAt(3, 0, nil)), "2026-06-14T10:00:00Z", // a Sunday
			"2026-06-19T03:00:00Z", "2026-06-12T03:00:00Z", "weekly:2026-06-12"},
		{"daily", EveryDay(DailyAt(3, 0, nil)), "2026-06-14T10:00:00Z",
			"2026-06-15T03:00:00Z", "2026-06-14T03:00:00Z", "daily:2026-06-14"},
		{"a zone: the local date names the period", Monthly(1, DailyAt(0, 30, lux)), "2026-06-30T22:40:00Z",
			"2026-07-31T22:30:00Z", "2026-06-30T22:30:00Z", "monthly:2026-07-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from := at(tt.from)
			if got := tt.sched.Next(from); !got.Equal(at(tt.next)) {
				t.Errorf("Next(%s) = %s, want %s", tt.from, got.UTC().Format(time.RFC3339), tt.next)
			}
			if got := tt.sched.Start(from); !got.Equal(at(tt.start)) {
				t.Errorf("Start(%s) = %s, want %s", tt.from, got.UTC().Format(time.RFC3339), tt.start)
			}
			if got := tt.sched.Period(from); got != tt.name2 {
				t.Errorf("Period(%s) = %q, want %q", tt.from, got, tt.name2)
			}
			// Every run between two firings names the same period.
			if next := tt.sched.Next(from); tt.sched.Period(next.Add(-time.Second)) != tt.sched.Period(from) {
				t.Errorf("a second before the next firing is another period")
			}
		})
	}
}
