package manage

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/uploads"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// DocumentsPage is the data of /manage/:org/documents: the organisation's
// documents, public and private, and the form that adds one.
type DocumentsPage struct {
	ManagePage
	Documents []DocumentRow
	Kinds     []kit.Option
	// Values are the form's fields as posted, after a refusal.
	Values directory.NewDocument
	// Deleted confirms a deletion after its redirect.
	Deleted bool
}

// DocumentRow is a document as the list shows it.
type DocumentRow struct {
	directory.Document
	KindLabel, Size, URL string
}

// documentRows prepares ds for a page in b's language. URL is the
// document's stable download address.
func documentRows(b kit.Base, slug string, ds []directory.Document) []DocumentRow {
	out := make([]DocumentRow, len(ds))
	for i, d := range ds {
		out[i] = DocumentRow{Document: d, KindLabel: b.T(d.Kind.MessageID()), Size: kit.FileSize(b, d.Size),
			URL: kit.DocumentURL(slug, d.ID)}
	}
	return out
}

// ListDocuments answers GET /manage/:org/documents.
func (s *Pages) ListDocuments(c *gin.Context) {
	s.showDocuments(c, http.StatusOK, kit.Form{}, directory.NewDocument{Kind: directory.DocumentAnnualReport, Public: true})
}

func (s *Pages) showDocuments(c *gin.Context, status int, st kit.Form, v directory.NewDocument) {
	mp, ok := s.managePage(c, "media.documents.title", "documents", st)
	if !ok {
		return
	}
	p := DocumentsPage{ManagePage: mp, Values: v, Deleted: c.Query("deleted") != "",
		Documents: documentRows(mp.Base, mp.Org.Slug, mp.Org.Documents)}
	for _, k := range directory.DocumentKinds() {
		p.Kinds = append(p.Kinds, kit.Option{Value: string(k), Label: mp.T(k.MessageID()), Selected: k == v.Kind})
	}
	s.Render(c, status, "manage_documents", p)
}

// UploadDocument answers POST /manage/:org/documents: the typed fields are
// checked first (a refusal stores no file), then the file by the uploads
// store (size, %PDF- signature), then the row is recorded; a failed
// record deletes the file again.
func (s *Pages) UploadDocument(c *gin.Context) {
	org := s.ManagedOrg(c)
	f := kit.NewFormReader(c)
	d := directory.NewDocument{Kind: directory.DocumentKind(f.Str("kind")), Year: f.Int("year"), Title: f.Str("title"),
		Public: f.Str("visibility") != "private"}
	redraw := func(status int, st kit.Form) { s.showDocuments(c, status, st, d) }
	k := uploads.Documents()
	if err := errors.Join(f.Failed(), d.ValidateFields(time.Now())); err != nil {
		// No file either: say so at once, rather than after the fields.
		if fh, ferr := c.FormFile("file"); ferr != nil || fh.Size == 0 {
			err = errors.Join(err, fault.InvalidField("file", k.Missing))
		}
		s.FormFailed(c, mergeInvalid(err), nil, redraw)
		return
	}
	stored, err := s.saveDocument(c, k, "file", org.Slug)
	if err != nil {
		s.FormFailed(c, err, nil, redraw)
		return
	}
	d.FileName, d.Size, d.SHA256 = stored.Name, stored.Size, stored.SHA256
	if _, err := s.dir.AddDocument(c.Request.Context(), s.Actor(c), org.ID, d); err != nil {
		if rerr := s.up.RemoveFile(k, stored.Name); rerr != nil {
			s.Logger(c).Warn("could not delete a refused document", "file", stored.Name, "err", rerr)
		}
		s.FormFailed(c, err, nil, redraw)
		return
	}
	kit.RedirectSaved(c, org, "/documents")
}

// mergeInvalid folds the Invalid errors joined in err into one, so every
// field's message shows at once.
func mergeInvalid(err error) error {
	var all fault.Fields
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			if e != nil && !all.Merge("", e) {
				return e
			}
		}
		return all.Err()
	}
	return err
}

// saveDocument stores the file posted as field as kind k, named after
// prefix. No file is an Invalid error for field.
func (s *Pages) saveDocument(c *gin.Context, k uploads.Kind, field, prefix string) (uploads.File, error) {
	fh, err := c.FormFile(field)
	if errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart) || (err == nil && fh.Size == 0) {
		return uploads.File{}, fault.InvalidField(field, k.Missing)
	}
	if err != nil {
		return uploads.File{}, err
	}
	// The multipart reader already knows the part's size: a file over the
	// limit is refused without being read again.
	if fh.Size > k.MaxBytes {
		return uploads.File{}, fault.InvalidField(field, k.TooBig)
	}
	file, err := fh.Open()
	if err != nil {
		return uploads.File{}, err
	}
	defer file.Close()
	return s.up.SaveFile(k, field, prefix, file)
}

// DeleteDocument answers POST /manage/:org/documents/:id/delete: the row
// goes (audited), then its file. Another organisation's document is a 404.
func (s *Pages) DeleteDocument(c *gin.Context) {
	org := s.ManagedOrg(c)
	id, ok := s.PathID(c, "id")
	if !ok {
		return
	}
	name, err := s.dir.DeleteDocument(c.Request.Context(), s.Actor(c), org.ID, id)
	if err != nil {
		s.Fail(c, err)
		return
	}
	if err := s.up.RemoveFile(uploads.Documents(), name); err != nil {
		s.Logger(c).Warn("could not delete a document's file", "file", name, "err", err)
	}
	c.Redirect(http.StatusSeeOther, "/manage/"+org.Slug+"/documents?deleted=1")
}
