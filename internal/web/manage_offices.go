package web

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
)

// OfficesPage is the data of the list of an organisation's offices.
type OfficesPage struct {
	ManagePage
}

func (s *managePages) listOffices(c *gin.Context) {
	mp, ok := s.managePage(c, "manage.offices.title", "offices", Form{})
	if ok {
		s.render(c, http.StatusOK, "manage_offices", OfficesPage{mp})
	}
}

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

func (s *managePages) renderOfficeForm(c *gin.Context, status int, f directory.Office, st Form) {
	title := "manage.office.edit"
	action := "/manage/" + s.managedOrg(c).Slug + "/offices/" + strconv.FormatInt(f.ID, 10)
	if f.ID == 0 {
		title, action = "manage.office.new", "/manage/"+s.managedOrg(c).Slug+"/offices/new"
	}
	mp, ok := s.managePage(c, title, "offices", st)
	if !ok {
		return
	}
	p := OfficeForm{ManagePage: mp, Office: f, Action: action,
		Countries: s.countryOptions(mp.Lang, []string{f.Country}), Covers: s.countryOptions(mp.Lang, f.Covers)}
	for _, k := range directory.OfficeKinds() {
		p.Kinds = append(p.Kinds, Option{Value: k, Label: mp.T("office.kind." + k), Selected: k == f.Kind})
	}
	s.render(c, status, "manage_office", p)
}

func (s *managePages) newOffice(c *gin.Context) {
	s.renderOfficeForm(c, http.StatusOK, directory.Office{Kind: directory.OfficeCountry}, Form{})
}

// managedOffice finds office :id of the managed organisation; another
// organisation's office is a 404.
func (s *managePages) managedOffice(c *gin.Context) (*directory.Office, bool) {
	id, ok := s.pathID(c, "id")
	if !ok {
		return nil, false
	}
	f := s.managedOrg(c).Office(id)
	if f == nil {
		s.errorPage(c, http.StatusNotFound, "")
		return nil, false
	}
	return f, true
}

func (s *managePages) editOffice(c *gin.Context) {
	if f, ok := s.managedOffice(c); ok {
		s.renderOfficeForm(c, http.StatusOK, *f, Form{})
	}
}

func readOffice(f *formReader) directory.Office {
	return directory.Office{
		Version: f.int("version"), Name: f.str("name"), Kind: f.str("kind"), Address: f.str("address"),
		PostalCode: f.str("postal_code"), City: f.str("city"), Country: f.str("country"),
		Latitude: f.float("latitude"), Longitude: f.float("longitude"), OpenedYear: f.int("opened_year"),
		Email: f.str("email"), Phone: f.str("phone"), Covers: f.strs("covers"),
	}
}

func (s *managePages) createOffice(c *gin.Context) {
	org := s.managedOrg(c)
	f := newFormReader(c)
	o := readOffice(f)
	err := f.failed()
	if err == nil {
		err = s.dir.AddOffice(c.Request.Context(), s.actor(c), org.ID, &o)
	}
	if err == nil {
		redirectSaved(c, org, "/offices")
		return
	}
	o.ID = 0
	s.formFailed(c, err, f, func(status int, st Form) { s.renderOfficeForm(c, status, o, st) })
}

func (s *managePages) updateOffice(c *gin.Context) {
	cur, ok := s.managedOffice(c)
	if !ok {
		return
	}
	org := s.managedOrg(c)
	f := newFormReader(c)
	o := readOffice(f)
	o.ID = cur.ID
	err := f.failed()
	if err == nil {
		err = s.dir.UpdateOffice(c.Request.Context(), s.actor(c), org.ID, &o)
	}
	if err == nil {
		redirectSaved(c, org, "/offices")
		return
	}
	s.formFailed(c, err, f, func(status int, st Form) { s.renderOfficeForm(c, status, o, st) })
}

func (s *managePages) deleteOffice(c *gin.Context) {
	cur, ok := s.managedOffice(c)
	if !ok {
		return
	}
	org := s.managedOrg(c)
	f := newFormReader(c)
	err := s.dir.DeleteOffice(c.Request.Context(), s.actor(c), org.ID, cur.ID, f.int("version"))
	if err != nil {
		s.formFailed(c, err, f, func(status int, st Form) { s.renderOfficeForm(c, status, *cur, st) })
		return
	}
	redirectSaved(c, org, "/offices")
}
