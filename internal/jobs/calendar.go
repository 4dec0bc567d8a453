package jobs

import (
	"fmt"
	"time"
)

// Calendar is a River periodic schedule that fires at a Daily time of day
// on some days only: every day, one day of the week, or one day of the
// month. Each firing opens a period that lasts until the next one; Period
// names the period a time falls in, for work that must happen once per
// period whatever the number of runs (the newsletter's digests).
type Calendar struct {
	at Daily
	// every is "day", "week" or "month".
	every   string
	weekday time.Weekday
	day     int
}

// EveryDay fires every day at at.
func EveryDay(at Daily) Calendar { return Calendar{at: at, every: "day"} }

// Weekly fires on weekday at at.
func Weekly(weekday time.Weekday, at Daily) Calendar {
	return Calendar{at: at, every: "week", weekday: weekday}
}

// Monthly fires on day (1–28, a day every month has) of each month at at.
func Monthly(day int, at Daily) Calendar {
	if day < 1 || day > 28 {
		panic(fmt.Sprintf("jobs: Monthly(%d): want a day from 1 to 28", day))
	}
	return Calendar{at: at, every: "month", day: day}
}

// on reports whether the schedule fires on the local date of t.
func (c Calendar) on(t time.Time) bool {
	switch c.every {
	case "week":
		return t.Weekday() == c.weekday
	case "month":
		return t.Day() == c.day
	}
	return true
}

// firing is the firing time on the local date y-m-d (normalised).
func (c Calendar) firing(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, c.at.hour, c.at.minute, 0, 0, c.at.loc)
}

// Next returns the first firing strictly after t, as
// river.PeriodicSchedule asks.
func (c Calendar) Next(t time.Time) time.Time {
	y, m, d := t.In(c.at.loc).Date()
	for i := 0; ; i++ {
		f := c.firing(y, m, d+i)
		if f.After(t) && c.on(f) {
			return f
		}
	}
}

// Start returns the last firing at or before t: the start of the period
// t falls in.
func (c Calendar) Start(t time.Time) time.Time {
	y, m, d := t.In(c.at.loc).Date()
	for i := 0; ; i++ {
		f := c.firing(y, m, d-i)
		if !f.After(t) && c.on(f) {
			return f
		}
	}
}

// Period names the period t falls in by the schedule and the local date
// of its start, such as "monthly:2026-06-01": every run in one period
// gets the same name.
func (c Calendar) Period(t time.Time) string {
	name := map[string]string{"day": "daily", "week": "weekly", "month": "monthly"}[c.every]
	return name + ":" + c.Start(t).In(c.at.loc).Format("2006-01-02")
}

// String is the schedule as configured, such as "monthly on day 1 at
// 03:00 UTC".
func (c Calendar) String() string {
	switch c.every {
	case "week":
		return fmt.Sprintf("weekly on %s at %s", c.weekday, c.at)
	case "month":
		return fmt.Sprintf("monthly on day %d at %s", c.day, c.at)
	}
	return "daily at " + c.at.String()
}

// Location is the schedule's time zone.
func (c Calendar) Location() *time.Location { return c.at.loc }
