package manage

import (
	"context"
	"net/http"
	"strconv"

	"github.com/partnerdir/partnerdir/internal/web/kit"

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
	Kinds    []kit.Option
	Offices  []kit.Option
	Projects []kit.Option
	Points   []kit.Option
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

// ListContacts answers GET /manage/:org/contacts.
func (s *Pages) ListContacts(c *gin.Context) {
	s.renderContacts(c, http.StatusOK, directory.Rule{}, kit.Form{})
}

func (s *Pages) renderContacts(c *gin.Context, status int, r directory.Rule, st kit.Form) {
	mp, ok := s.managePage(c, "manage.contacts.title", "contacts", st)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	p := ContactsPage{ManagePage: mp, Rule: r, Offices: officeOptions(mp.Org, r.OfficeID)}
	var err error
	if p.Contacts, err = s.dir.ContactPoints(ctx, mp.Org.ID); err != nil {
		s.Fail(c, err)
		return
	}
	if p.Rules, err = s.dir.Rules(ctx, mp.Org.ID); err != nil {
		s.Fail(c, err)
		return
	}
	for _, k := range directory.SupportKinds() {
		p.Kinds = append(p.Kinds, kit.Option{Value: string(k), Label: s.Translate(mp.Lang, k.MessageID()), Selected: k == r.SupportKind})
	}
	for _, pr := range mp.Org.Projects {
		p.Projects = append(p.Projects, kit.Option{Value: strconv.FormatInt(pr.ID, 10), Label: pr.Title, Selected: pr.ID == r.ProjectID})
	}
	for _, cp := range p.Contacts {
		p.Points = append(p.Points, kit.Option{Value: strconv.FormatInt(cp.ID, 10), Label: cp.Name + " <" + cp.Email + ">",
			Selected: cp.ID == r.ContactPointID})
	}
	s.Render(c, status, "manage_contacts", p)
}

// ContactForm is the data of the add/edit contact point form.
type ContactForm struct {
	ManagePage
	Contact directory.ContactPoint
	Roles   []kit.Option
	Offices []kit.Option
	Action  string
}

// Contacts are the organisation's contact points.
func (s *Pages) Contacts() Record[directory.ContactPoint] {
	return Record[directory.ContactPoint]{s: s, section: "contacts", noun: "contact",
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

func (s *Pages) renderContactForm(c *gin.Context, status int, cp directory.ContactPoint, mp ManagePage, action string) {
	p := ContactForm{ManagePage: mp, Contact: cp, Action: action, Offices: officeOptions(mp.Org, cp.OfficeID)}
	for r := 1; r <= 4; r++ {
		p.Roles = append(p.Roles, kit.Option{Value: strconv.Itoa(r), Label: mp.T("manage.contact.role." + strconv.Itoa(r)), Selected: r == cp.RoleCode})
	}
	s.Render(c, status, "manage_contact", p)
}

func readContact(f *kit.FormReader) directory.ContactPoint {
	return directory.ContactPoint{
		Version: f.Int("version"), Name: f.Str("name"), Email: f.Str("email"), RoleCode: f.Int("role_code"),
		OfficeID: f.ID("office"), Public: f.Str("visibility") == "public", Default: f.Bool("default"),
	}
}

// CreateRule answers POST /manage/:org/rules.
func (s *Pages) CreateRule(c *gin.Context) {
	org := s.ManagedOrg(c)
	f := kit.NewFormReader(c)
	r := directory.Rule{SupportKind: directory.SupportKind(f.Str("support_kind")), OfficeID: f.ID("office"),
		ProjectID: f.ID("project"), ContactPointID: f.ID("contact_point")}
	err := f.Failed()
	if err == nil {
		err = s.dir.AddRule(c.Request.Context(), s.Actor(c), org.ID, &r)
	}
	if err == nil {
		kit.RedirectSaved(c, org, "/contacts")
		return
	}
	s.FormFailed(c, err, f, func(status int, st kit.Form) { s.renderContacts(c, status, r, st) })
}

// DeleteRule answers POST /manage/:org/rules/:id/delete.
func (s *Pages) DeleteRule(c *gin.Context) {
	id, ok := s.PathID(c, "id")
	if !ok {
		return
	}
	org := s.ManagedOrg(c)
	if err := s.dir.DeleteRule(c.Request.Context(), s.Actor(c), org.ID, id); err != nil {
		s.Fail(c, err)
		return
	}
	kit.RedirectSaved(c, org, "/contacts")
}
