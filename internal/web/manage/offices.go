package manage

import (
	"context"
	"strconv"

	"github.com/partnerdir/partnerdir/internal/web/kit"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
)

// OfficeForm is the data of the add/edit office form.
type OfficeForm struct {
	ManagePage
	Office    directory.Office
	Kinds     []kit.Option
	Countries []kit.Option
	Covers    []kit.Option
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

// Offices are the organisation's offices.
func (s *Pages) Offices() Record[directory.Office] {
	return Record[directory.Office]{s: s, section: "offices", noun: "office",
		blank: directory.Office{Kind: directory.OfficeCountry},
		all:   func(_ context.Context, org *directory.Profile) ([]directory.Office, error) { return org.Offices, nil },
		id:    func(f *directory.Office) *int64 { return &f.ID },
		read:  readOffice, storeAdd: s.dir.AddOffice, storeUpdate: s.dir.UpdateOffice, storeDelete: s.dir.DeleteOffice,
		render: s.renderOfficeForm,
	}
}

func (s *Pages) renderOfficeForm(c *gin.Context, status int, f directory.Office, mp ManagePage, action string) {
	p := OfficeForm{ManagePage: mp, Office: f, Action: action,
		Countries: s.CountryOptions(mp.Lang, []string{f.Country}), Covers: s.CountryOptions(mp.Lang, f.Covers)}
	for _, k := range directory.OfficeKinds() {
		p.Kinds = append(p.Kinds, kit.Option{Value: k, Label: mp.T("office.kind." + k), Selected: k == f.Kind})
	}
	s.Render(c, status, "manage_office", p)
}

func readOffice(f *kit.FormReader) directory.Office {
	return directory.Office{
		Version: f.Int("version"), Name: f.Str("name"), Kind: f.Str("kind"), Address: f.Str("address"),
		PostalCode: f.Str("postal_code"), City: f.Str("city"), Country: f.Str("country"),
		Latitude: f.Float("latitude"), Longitude: f.Float("longitude"), OpenedYear: f.Int("opened_year"),
		Email: f.Str("email"), Phone: f.Str("phone"), Covers: f.Strs("covers"),
	}
}
