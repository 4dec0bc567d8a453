package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
)

// record is one kind of an organisation's child records (offices, team
// members, projects, contact points) as its editors add, change and delete
// them under /manage/:org/<section>. Its methods are the handlers the
// route table registers; what differs from kind to kind is in its fields,
// and each kind's form page stays in the kind's own file.
type record[T any] struct {
	s *managePages
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
	read func(*formReader) T
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

// list shows the section's list page. Contacts draw their own, with the
// routing rules (listContacts).
func (r record[T]) list(c *gin.Context) {
	mp, ok := r.s.managePage(c, "manage."+r.section+".title", r.section, Form{})
	if ok {
		r.s.render(c, http.StatusOK, "manage_"+r.section, SectionPage{mp})
	}
}

// newForm shows the form of a new record.
func (r record[T]) newForm(c *gin.Context) {
	r.form(c, http.StatusOK, r.blank, Form{})
}

// edit shows record :id's form.
func (r record[T]) edit(c *gin.Context) {
	if cur, ok := r.find(c); ok {
		r.form(c, http.StatusOK, *cur, Form{})
	}
}

// create adds a record from the posted form.
func (r record[T]) create(c *gin.Context) {
	r.save(c, nil)
}

// update changes record :id from the posted form.
func (r record[T]) update(c *gin.Context) {
	if cur, ok := r.find(c); ok {
		r.save(c, cur)
	}
}

// remove deletes record :id at the version the form was drawn from.
func (r record[T]) remove(c *gin.Context) {
	cur, ok := r.find(c)
	if !ok {
		return
	}
	org := r.s.managedOrg(c)
	f := newFormReader(c)
	if err := r.storeDelete(c.Request.Context(), r.s.actor(c), org.ID, *r.id(cur), f.int("version")); err != nil {
		r.s.formFailed(c, err, f, func(status int, st Form) { r.form(c, status, *cur, st) })
		return
	}
	redirectSaved(c, org, "/"+r.section)
}

// find finds record :id of the managed organisation; another
// organisation's record is a 404.
func (r record[T]) find(c *gin.Context) (*T, bool) {
	id, ok := r.s.pathID(c, "id")
	if !ok {
		return nil, false
	}
	all, err := r.all(c.Request.Context(), r.s.managedOrg(c))
	if err != nil {
		r.s.fail(c, err)
		return nil, false
	}
	for i := range all {
		if *r.id(&all[i]) == id {
			return &all[i], true
		}
	}
	r.s.fail(c, fault.ErrNotFound)
	return nil, false
}

// save adds (cur is nil) or updates cur from the posted form, and goes
// back to the section; refused, it draws the form again, input kept.
func (r record[T]) save(c *gin.Context, cur *T) {
	org := r.s.managedOrg(c)
	f := newFormReader(c)
	v := r.read(f)
	store := r.storeAdd
	if cur != nil {
		store = r.storeUpdate
		*r.id(&v) = *r.id(cur)
		if r.keep != nil {
			r.keep(cur, &v)
		}
	}
	err := f.failed()
	if err == nil {
		err = store(c.Request.Context(), r.s.actor(c), org.ID, &v)
	}
	if err == nil {
		redirectSaved(c, org, "/"+r.section)
		return
	}
	if cur == nil {
		// The add was rolled back: the form is still a new record's.
		*r.id(&v) = 0
	}
	r.s.formFailed(c, err, f, func(status int, st Form) { r.form(c, status, v, st) })
}

// form draws v's form: a new record's (id 0) posts to <section>/new, a
// stored one's to <section>/:id.
func (r record[T]) form(c *gin.Context, status int, v T, st Form) {
	id := *r.id(&v)
	title, action := "manage."+r.noun+".edit", "/manage/"+r.s.managedOrg(c).Slug+"/"+r.section+"/"+strconv.FormatInt(id, 10)
	if id == 0 {
		title, action = "manage."+r.noun+".new", "/manage/"+r.s.managedOrg(c).Slug+"/"+r.section+"/new"
	}
	if mp, ok := r.s.managePage(c, title, r.section, st); ok {
		r.render(c, status, v, mp, action)
	}
}
