package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
)

// ContactsPage is the data of the contacts and routing rules page.
type ContactsPage struct {
	ManagePage
	Contacts []directory.ContactPoint
	Rules    []directory.Rule
	// The new-rule form's choices and kept input.
	Rule     directory.Rule
	Kinds    []Option
	Offices  []Option
	Projects []Option
	Points   []Option
}

// ContactName is the name of contact point id.
func (p ContactsPage) ContactName(id int64) string {
	for _, c := range p.Contacts {
		if c.ID == id {
			return c.Name + " <" + c.Email + ">"
		}
	}
	return ""
}

// ProjectTitle is the title of project id.
func (p ContactsPage) ProjectTitle(id int64) string {
	for _, pr := range p.Org.Projects {
		if pr.ID == id {
			return pr.Title
		}
	}
	return ""
}

// OfficeName is the name of office id.
func (p ManagePage) OfficeName(id int64) string {
	if f := p.Org.Office(id); f != nil {
		return f.Name
	}
	return ""
}

func (s *managePages) listContacts(c *gin.Context) {
	s.renderContacts(c, http.StatusOK, directory.Rule{}, Form{})
}

func (s *managePages) renderContacts(c *gin.Context, status int, r directory.Rule, st Form) {
	mp, ok := s.managePage(c, "manage.contacts.title", "contacts", st)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	p := ContactsPage{ManagePage: mp, Rule: r, Offices: officeOptions(mp.Org, r.OfficeID)}
	var err error
	if p.Contacts, err = s.dir.ContactPoints(ctx, mp.Org.ID); err != nil {
		s.fail(c, err)
		return
	}
	if p.Rules, err = s.dir.Rules(ctx, mp.Org.ID); err != nil {
		s.fail(c, err)
		return
	}
	for _, k := range directory.SupportKinds() {
		p.Kinds = append(p.Kinds, Option{Value: string(k), Label: s.tr.T(mp.Lang, k.MessageID()), Selected: k == r.SupportKind})
	}
	for _, pr := range mp.Org.Projects {
		p.Projects = append(p.Projects, Option{Value: strconv.FormatInt(pr.ID, 10), Label: pr.Title, Selected: pr.ID == r.ProjectID})
	}
	for _, cp := range p.Contacts {
		p.Points = append(p.Points, Option{Value: strconv.FormatInt(cp.ID, 10), Label: cp.Name + " <" + cp.Email + ">",
			Selected: cp.ID == r.ContactPointID})
	}
	s.render(c, status, "manage_contacts", p)
}

// ContactForm is the data of the add/edit contact point form.
type ContactForm struct {
	ManagePage
	Contact directory.ContactPoint
	Roles   []Option
	Offices []Option
	Action  string
}

// contacts are the organisation's contact points.
func (s *managePages) contacts() record[directory.ContactPoint] {
	return record[directory.ContactPoint]{s: s, section: "contacts", noun: "contact",
		blank: directory.ContactPoint{RoleCode: 1},
		all: func(ctx context.Context, org *directory.Profile) ([]directory.ContactPoint, error) {
			return s.dir.ContactPoints(ctx, org.ID)
		},
		id:   func(cp *directory.ContactPoint) *int64 { return &cp.ID },
		read: readContact,
		// The default is changed by choosing another contact, never unset.
		keep:     func(cur, next *directory.ContactPoint) { next.Default = next.Default || cur.Default },
		storeAdd: s.dir.AddContact, storeUpdate: s.dir.UpdateContact, storeDelete: s.dir.DeleteContact,
		render: s.renderContactForm,
	}
}

func (s *managePages) renderContactForm(c *gin.Context, status int, cp directory.ContactPoint, mp ManagePage, action string) {
	p := ContactForm{ManagePage: mp, Contact: cp, Action: action, Offices: officeOptions(mp.Org, cp.OfficeID)}
	for r := 1; r <= 4; r++ {
		p.Roles = append(p.Roles, Option{Value: strconv.Itoa(r), Label: mp.T("manage.contact.role." + strconv.Itoa(r)), Selected: r == cp.RoleCode})
	}
	s.render(c, status, "manage_contact", p)
}

func readContact(f *formReader) directory.ContactPoint {
	return directory.ContactPoint{
		Version: f.int("version"), Name: f.str("name"), Email: f.str("email"), RoleCode: f.int("role_code"),
		OfficeID: f.id("office"), Public: f.str("visibility") == "public", Default: f.bool("default"),
	}
}

func (s *managePages) createRule(c *gin.Context) {
	org := s.managedOrg(c)
	f := newFormReader(c)
	r := directory.Rule{SupportKind: directory.SupportKind(f.str("support_kind")), OfficeID: f.id("office"),
		ProjectID: f.id("project"), ContactPointID: f.id("contact_point")}
	err := f.failed()
	if err == nil {
		err = s.dir.AddRule(c.Request.Context(), s.actor(c), org.ID, &r)
	}
	if err == nil {
		redirectSaved(c, org, "/contacts")
		return
	}
	s.formFailed(c, err, f, func(status int, st Form) { s.renderContacts(c, status, r, st) })
}

func (s *managePages) deleteRule(c *gin.Context) {
	id, ok := s.pathID(c, "id")
	if !ok {
		return
	}
	org := s.managedOrg(c)
	if err := s.dir.DeleteRule(c.Request.Context(), s.actor(c), org.ID, id); err != nil {
		s.fail(c, err)
		return
	}
	redirectSaved(c, org, "/contacts")
}
