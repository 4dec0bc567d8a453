package manage

import (
	"context"
	"net/http"
	"strconv"

	"github.com/partnerdir/partnerdir/internal/web/kit"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
)

// Record is one kind of an organisation's child records (offices, team
// members, projects, contact points) as its editors add, change and delete
// them under /manage/:org/<section>. Its methods are the handlers the
// route table registers; what differs from kind to kind is in its fields,
// and each kind's form page stays in the kind's own file.
type Record[T any] struct {
	s *Pages
	// section is the records' path under /manage/:org and the page's
	// place in the navigation ("offices"); noun names the form's titles,
	// manage.<noun>.new and manage.<noun>.edit.
	section, noun string
	// blank is what the form of a new record starts with.
	blank T
	// all are the managed organisation's records. A record is only
	// looked for among them, so another organisation's is a 404.
	all func(ctx context.Context, org *directory.Profile) ([]T, error)
	// id is where a record keeps its id.
	id func(*T) *int64
	// read reads a record from the posted form.
	read func(*kit.FormReader) T
	// keep, when set, carries over onto an update what the stored record
	// keeps whatever the form says.
	keep func(cur, next *T)
	// The store's methods that write the records.
	storeAdd    func(ctx context.Context, actor audit.Actor, orgID int64, v *T) error
	storeUpdate func(ctx context.Context, actor audit.Actor, orgID int64, v *T) error
	storeDelete func(ctx context.Context, actor audit.Actor, orgID, id int64, version int) error
	// render draws the record's form on its page base, posting to action.
	render func(c *gin.Context, status int, v T, mp ManagePage, action string)
}

// SectionPage is the data of the list of an organisation's offices, team
// members or projects: the page reads them from Org.
type SectionPage struct {
	ManagePage
}

// List shows the section's list page. Contacts draw their own, with the
// routing rules (ListContacts).
func (r Record[T]) List(c *gin.Context) {
	mp, ok := r.s.managePage(c, "manage."+r.section+".title", r.section, kit.Form{})
	if ok {
		r.s.Render(c, http.StatusOK, "manage_"+r.section, SectionPage{mp})
	}
}

// NewForm shows the form of a new record.
func (r Record[T]) NewForm(c *gin.Context) {
	r.form(c, http.StatusOK, r.blank, kit.Form{})
}

// Edit shows record :id's form.
func (r Record[T]) Edit(c *gin.Context) {
	if cur, ok := r.find(c); ok {
		r.form(c, http.StatusOK, *cur, kit.Form{})
	}
}

// Create adds a record from the posted form.
func (r Record[T]) Create(c *gin.Context) {
	r.save(c, nil)
}

// Update changes record :id from the posted form.
func (r Record[T]) Update(c *gin.Context) {
	if cur, ok := r.find(c); ok {
		r.save(c, cur)
	}
}

// Remove deletes record :id at the version the form was drawn from.
func (r Record[T]) Remove(c *gin.Context) {
	cur, ok := r.find(c)
	if !ok {
		return
	}
	org := r.s.ManagedOrg(c)
	f := kit.NewFormReader(c)
	if err := r.storeDelete(c.Request.Context(), r.s.Actor(c), org.ID, *r.id(cur), f.Int("version")); err != nil {
		r.s.FormFailed(c, err, f, func(status int, st kit.Form) { r.form(c, status, *cur, st) })
		return
	}
	kit.RedirectSaved(c, org, "/"+r.section)
}

// find finds record :id of the managed organisation; another
// organisation's record is a 404.
func (r Record[T]) find(c *gin.Context) (*T, bool) {
	id, ok := r.s.PathID(c, "id")
	if !ok {
		return nil, false
	}
	all, err := r.all(c.Request.Context(), r.s.ManagedOrg(c))
	if err != nil {
		r.s.Fail(c, err)
		return nil, false
	}
	for i := range all {
		if *r.id(&all[i]) == id {
			return &all[i], true
		}
	}
	r.s.Fail(c, fault.ErrNotFound)
	return nil, false
}

// save adds (cur is nil) or updates cur from the posted form, and goes
// back to the section; refused, it draws the form again, input kept.
func (r Record[T]) save(c *gin.Context, cur *T) {
	org := r.s.ManagedOrg(c)
	f := kit.NewFormReader(c)
	v := r.read(f)
	store := r.storeAdd
	if cur != nil {
		store = r.storeUpdate
		*r.id(&v) = *r.id(cur)
		if r.keep != nil {
			r.keep(cur, &v)
		}
	}
	err := f.Failed()
	if err == nil {
		err = store(c.Request.Context(), r.s.Actor(c), org.ID, &v)
	}
	if err == nil {
		kit.RedirectSaved(c, org, "/"+r.section)
		return
	}
	if cur == nil {
		// The add was rolled back: the form is still a new record's.
		*r.id(&v) = 0
	}
	r.s.FormFailed(c, err, f, func(status int, st kit.Form) { r.form(c, status, v, st) })
}

// form draws v's form: a new record's (id 0) posts to <section>/new, a
// stored one's to <section>/:id.
func (r Record[T]) form(c *gin.Context, status int, v T, st kit.Form) {
	id := *r.id(&v)
	title, action := "manage."+r.noun+".edit", "/manage/"+r.s.ManagedOrg(c).Slug+"/"+r.section+"/"+strconv.FormatInt(id, 10)
	if id == 0 {
		title, action = "manage."+r.noun+".new", "/manage/"+r.s.ManagedOrg(c).Slug+"/"+r.section+"/new"
	}
	if mp, ok := r.s.managePage(c, title, r.section, st); ok {
		r.render(c, status, v, mp, action)
	}
}
