package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
)

// record is one kind of an organisation's child records (offices, team
// members, projects, contact points) as its editors add, change and delete
// them under /manage/:org/<section>. Its methods are the handlers the
// route table registers; what differs from kind to kind is in its fields,
// and each kind's form page stays in the kind's own file.
type record[T any] struct {
	s *managePages
	// section is the records' path under /manage/:org and the page's
	// place in the navigation ("offices").
	section string
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
	// render draws the record's form; an id of 0 is a new record's.
	render func(c *gin.Context, status int, v T, st formState)
}

// newForm shows the form of a new record.
func (r record[T]) newForm(c *gin.Context) {
	r.render(c, http.StatusOK, r.blank, formState{})
}

// edit shows record :id's form.
func (r record[T]) edit(c *gin.Context) {
	if cur, ok := r.find(c); ok {
		r.render(c, http.StatusOK, *cur, formState{})
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
		r.s.formFailed(c, err, f, func(status int, st formState) { r.render(c, status, *cur, st) })
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
	r.s.errorPage(c, http.StatusNotFound, "")
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
	r.s.formFailed(c, err, f, func(status int, st formState) { r.render(c, status, v, st) })
}

// recordPage is the page base of a record's form in section, titled
// manage.<noun>.new or manage.<noun>.edit, and where the form posts.
func (s *managePages) recordPage(c *gin.Context, section, noun string, id int64, st formState) (mp ManagePage, action string, ok bool) {
	title, action := "manage."+noun+".edit", "/manage/"+s.managedOrg(c).Slug+"/"+section+"/"+strconv.FormatInt(id, 10)
	if id == 0 {
		title, action = "manage."+noun+".new", "/manage/"+s.managedOrg(c).Slug+"/"+section+"/new"
	}
	mp, ok = s.managePage(c, title, section, st)
	return mp, action, ok
}
