package manage

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// historyPerPage is how many entries a page of History shows.
const historyPerPage = 30

// HistoryPage is the data of /manage/:org/history: the organisation's
// audit entries, newest first, with what each changed from what.
type HistoryPage struct {
	ManagePage
	Rows []HistoryRow
	// Next is the address of the older entries, "" on the last page.
	Next string
	// First links back to the newest entries when this page is not them.
	First string
}

// HistoryRow is one change as the page shows it.
type HistoryRow struct {
	When    time.Time
	Who     string
	What    string
	Changes []ChangeRow
}

// ChangeRow is one field of a change: its label, old and new value,
// written for people ("—" for none).
type ChangeRow struct {
	Field, Old, New string
}

// ShowHistory answers GET /manage/:org/history[?before=ID]: owners (and
// the platform team) only, since entries hold the team's personal data.
func (s *Pages) ShowHistory(c *gin.Context) {
	if kit.OrgRole(c) != accounts.OrgOwner {
		s.Fail(c, fault.ErrForbidden)
		return
	}
	raw, err := kit.Query(c, "before")
	var before int64
	if err == nil && raw != "" {
		if before, err = strconv.ParseInt(raw, 10, 64); err != nil || before <= 0 {
			err = fault.InvalidField("before", "param.err.page")
		}
	}
	if err != nil {
		s.Fail(c, err)
		return
	}
	mp, ok := s.managePage(c, "truth.history.title", "history", kit.Form{})
	if !ok {
		return
	}
	h, err := s.dir.History(c.Request.Context(), mp.Org.ID, before, historyPerPage)
	if err != nil {
		s.Fail(c, err)
		return
	}
	p := HistoryPage{ManagePage: mp}
	base := "/manage/" + mp.Org.Slug + "/history"
	if h.Next != 0 {
		p.Next = fmt.Sprintf("%s?before=%d", base, h.Next)
	}
	if before != 0 {
		p.First = base
	}
	for _, e := range h.Entries {
		p.Rows = append(p.Rows, s.historyRow(mp, e))
	}
	s.Render(c, http.StatusOK, "manage_history", p)
}

func (s *Pages) historyRow(mp ManagePage, e audit.HistoryEntry) HistoryRow {
	r := HistoryRow{When: e.OccurredAt, Who: mp.T("truth.history.who." + string(e.Who))}
	if e.Who == audit.WhoUser {
		r.Who = e.Name
		if r.Who == "" {
			r.Who = mp.T("truth.history.who.deleted")
		}
	}
	r.What = known(mp, "truth.action."+strings.ReplaceAll(e.Action, ".", "_"), e.Action)
	fields := make([]string, 0, len(e.Changes))
	for f := range e.Changes {
		fields = append(fields, f)
	}
	slices.Sort(fields)
	for _, f := range fields {
		ch := e.Changes[f]
		r.Changes = append(r.Changes, ChangeRow{Field: known(mp, "truth.field."+f, f),
			Old: value(mp, ch.Old), New: value(mp, ch.New)})
	}
	return r
}

// known is the message id's text, or fallback when no locale has it (an
// action or a field added after this page).
func known(mp ManagePage, id, fallback string) string {
	if t := mp.T(id); t != id {
		return t
	}
	return fallback
}

// value writes a stored value for people: lists joined, nothing as "—".
func value(mp ManagePage, v any) string {
	switch x := v.(type) {
	case nil:
		return "—"
	case string:
		if x == "" {
			return "—"
		}
		return x
	case bool:
		if x {
			return mp.T("truth.value.yes")
		}
		return mp.T("truth.value.no")
	case []any:
		parts := make([]string, 0, len(x))
		for _, p := range x {
			parts = append(parts, value(mp, p))
		}
		if len(parts) == 0 {
			return "—"
		}
		return strings.Join(parts, ", ")
	case float64:
		if x == 0 {
			return "—"
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}
