package inbox

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/partnerdir/partnerdir/internal/web/kit"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/offers"
)

// Chart is a bar chart drawn as inline SVG on the server: no script, no
// external service, readable as a table by screen readers.
type Chart struct {
	Title         string
	Width, Height int
	Bars          []Bar
}

// Bar is one bar of a chart, with its label and value.
type Bar struct {
	Label, Value string
	X, Y, W, H   float64
	// LabelX/LabelY place the label; ValueX/ValueY the value.
	LabelX, LabelY, ValueX, ValueY float64
}

// StaffDashboardPage is the data of the staff dashboard.
type StaffDashboardPage struct {
	kit.Page
	Stats  *offers.Stats
	Weeks  Chart
	Kinds  Chart
	Ages   Chart
	Median string
}

// columns draws vertical bars, one per value.
func columns(title string, labels []string, values []int) Chart {
	const w, h, top, bottom = 640, 220, 20, 40
	c := Chart{Title: title, Width: w, Height: h}
	maxV := 1
	for _, v := range values {
		maxV = max(maxV, v)
	}
	slot := float64(w) / float64(max(len(values), 1))
	for i, v := range values {
		bh := float64(h-top-bottom) * float64(v) / float64(maxV)
		x := float64(i)*slot + slot*0.15
		c.Bars = append(c.Bars, Bar{Label: labels[i], Value: strconv.Itoa(v),
			X: x, Y: float64(h-bottom) - bh, W: slot * 0.7, H: bh,
			LabelX: x + slot*0.35, LabelY: float64(h - bottom + 16), ValueX: x + slot*0.35, ValueY: float64(h-bottom) - bh - 4})
	}
	return c
}

// rows draws horizontal bars, one per value, labels on the left.
func rows(title string, labels []string, values []int) Chart {
	const w, rowH, labelW = 640, 30, 240
	c := Chart{Title: title, Width: w, Height: rowH*len(values) + 10}
	maxV := 1
	for _, v := range values {
		maxV = max(maxV, v)
	}
	for i, v := range values {
		bw := float64(w-labelW-50) * float64(v) / float64(maxV)
		y := float64(i*rowH + 5)
		c.Bars = append(c.Bars, Bar{Label: labels[i], Value: strconv.Itoa(v),
			X: labelW, Y: y, W: bw, H: rowH - 8,
			LabelX: labelW - 8, LabelY: y + rowH/2, ValueX: labelW + bw + 6, ValueY: y + rowH/2})
	}
	return c
}

// ShowStaffDashboard answers GET /staff/dashboard.
func (s *Pages) ShowStaffDashboard(c *gin.Context) {
	st, err := s.offers.Stats(c.Request.Context())
	if err != nil {
		s.Fail(c, err)
		return
	}
	pg, ok := s.Page(c, "staff.dashboard.title", "staff")
	if !ok {
		return
	}
	lang := pg.Lang
	var labels []string
	var values []int
	for _, w := range st.Weeks {
		labels = append(labels, w.Start.Format("02/01"))
		values = append(values, w.Count)
	}
	p := StaffDashboardPage{Page: pg, Stats: st,
		Weeks: columns(s.Translate(lang, "staff.dashboard.weeks"), labels, values)}
	labels, values = nil, nil
	for _, k := range st.Kinds {
		labels = append(labels, s.Translate(lang, k.Kind.MessageID()))
		values = append(values, k.Count)
	}
	p.Kinds = rows(s.Translate(lang, "staff.dashboard.kinds"), labels, values)
	labels, values = nil, nil
	for _, a := range st.OpenByAge {
		if a.MaxDays == 0 {
			labels = append(labels, s.Translate(lang, "staff.dashboard.age_over", "Days", a.MinDays))
		} else {
			labels = append(labels, s.Translate(lang, "staff.dashboard.age_range", "Min", a.MinDays, "Max", a.MaxDays))
		}
		values = append(values, a.Count)
	}
	p.Ages = rows(s.Translate(lang, "staff.dashboard.ages"), labels, values)
	if st.Responded > 0 {
		p.Median = humanDuration(lang, st.MedianFirstResponse)
	}
	c.Header("Cache-Control", "no-store")
	s.Render(c, http.StatusOK, "staff_dashboard", p)
}

// humanDuration writes d in days and hours, or hours and minutes.
func humanDuration(lang string, d time.Duration) string {
	days, hours, mins := int(d.Hours())/24, int(d.Hours())%24, int(d.Minutes())%60
	j, h, m := "j", "h", "min"
	if lang == "en" {
		j = "d"
	}
	if days > 0 {
		return fmt.Sprintf("%d %s %d %s", days, j, hours, h)
	}
	return fmt.Sprintf("%d %s %d %s", hours, h, mins, m)
}
