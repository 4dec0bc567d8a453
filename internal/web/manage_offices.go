package web

import (
	"context"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
)

// OfficeForm is the data of the add/edit office form.
type OfficeForm struct {
	ManagePage
	Office    directory.Office
	Kinds     []Option
	Countries []Option
	Covers    []Option
	// Action is where the form posts.
	Action string
}

// Coord formats a latitude or longitude for an input.
func (OfficeForm) Coord(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

// offices are the organisation's offices.
func (s *managePages) offices() record[directory.Office] {
	return record[directory.Office]{s: s, section: "offices", noun: "office",
		blank: directory.Office{Kind: directory.OfficeCountry},
		all:   func(_ context.Context, org *directory.Profile) ([]directory.Office, error) { return org.Offices, nil },
		id:    func(f *directory.Office) *int64 { return &f.ID },
		read:  readOffice, storeAdd: s.dir.AddOffice, storeUpdate: s.dir.UpdateOffice, storeDelete: s.dir.DeleteOffice,
		render: s.renderOfficeForm,
	}
}

func (s *managePages) renderOfficeForm(c *gin.Context, status int, f directory.Office, mp ManagePage, action string) {
	p := OfficeForm{ManagePage: mp, Office: f, Action: action,
		Countries: s.countryOptions(mp.Lang, []string{f.Country}), Covers: s.countryOptions(mp.Lang, f.Covers)}
	for _, k := range directory.OfficeKinds() {
		p.Kinds = append(p.Kinds, Option{Value: k, Label: mp.T("office.kind." + k), Selected: k == f.Kind})
	}
	s.render(c, status, "manage_office", p)
}

func readOffice(f *formReader) directory.Office {
	return directory.Office{
		Version: f.int("version"), Name: f.str("name"), Kind: f.str("kind"), Address: f.str("address"),
		PostalCode: f.str("postal_code"), City: f.str("city"), Country: f.str("country"),
		Latitude: f.float("latitude"), Longitude: f.float("longitude"), OpenedYear: f.int("opened_year"),
		Email: f.str("email"), Phone: f.str("phone"), Covers: f.strs("covers"),
	}
}
