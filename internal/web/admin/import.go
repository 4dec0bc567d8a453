package admin

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/importing"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// MaxImportUploadBytes bounds a CSV uploaded at /admin/import; the route
// table lets that form's body be as large (bigger files: the import csv
// command).
const MaxImportUploadBytes = 10 << 20

// shownRows bounds the rows a report page lists besides the refused ones
// (all of which it lists): a 10,000-row file would be a page of megabytes.
const shownRows = 200

// Imports is the administration's bulk import: upload a CSV, see its dry
// run, confirm it.
type Imports struct {
	*kit.Kit
	imp *importing.Engine
}

// NewImports is the import page over k and the engine.
func NewImports(k *kit.Kit, imp *importing.Engine) *Imports {
	return &Imports{Kit: k, imp: imp}
}

// ImportPage is the data of /admin/import: the upload form, then a
// report — of the dry run, with the confirmation's Token, or of the
// import once confirmed (Done).
type ImportPage struct {
	AdminPage
	Report   *importing.Report
	Rows     []ImportRow
	Hidden   int // rows of the report not listed
	Token    string
	FileName string
	Publish  bool
	Done     bool
}

// ImportRow is a row of the report as the page lists it.
type ImportRow struct {
	importing.Row
	// OutcomeID is the outcome's label ("import.dry.created" in a dry run).
	OutcomeID string
}

func (s *Imports) render(c *gin.Context, status int, p ImportPage) {
	ap, ok := adminPageOf(s.Kit, c, s.Translate(kit.Lang(c), "import.title"), "import")
	if !ok {
		return
	}
	ap.Alert = p.Alert
	p.AdminPage = ap
	if p.Report != nil {
		for _, r := range p.Report.Rows {
			if r.Outcome != importing.OutcomeRefused && len(p.Rows) >= shownRows {
				p.Hidden++
				continue
			}
			id := "import.outcome." + r.Outcome
			if p.Report.DryRun && (r.Outcome == "created" || r.Outcome == "updated") {
				id = "import.dry." + r.Outcome
			}
			p.Rows = append(p.Rows, ImportRow{Row: r, OutcomeID: id})
		}
	}
	s.Render(c, status, "admin_import", p)
}

// ShowImport answers GET /admin/import: the upload form.
func (s *Imports) ShowImport(c *gin.Context) {
	s.render(c, http.StatusOK, ImportPage{})
}

// CheckImport answers POST /admin/import: the uploaded file's dry run.
// The file is kept server-side (importing.Stage) under a random token for
// the confirmation, which imports those very bytes.
func (s *Imports) CheckImport(c *gin.Context) {
	lang := kit.Lang(c)
	publish := c.PostForm("publish") == "yes"
	fh, err := c.FormFile("file")
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig) || err == nil && fh.Size > MaxImportUploadBytes:
		s.render(c, http.StatusRequestEntityTooLarge, ImportPage{AdminPage: AdminPage{Form: kit.Form{
			Alert: s.Translate(lang, "import.err.file_too_big", "Value", strconv.Itoa(MaxImportUploadBytes>>20))}}, Publish: publish})
		return
	case err != nil:
		s.render(c, http.StatusUnprocessableEntity, ImportPage{AdminPage: AdminPage{Form: kit.Form{
			Alert: s.Translate(lang, "import.err.no_file")}}, Publish: publish})
		return
	}
	f, err := fh.Open()
	if err != nil {
		s.InternalError(c, err)
		return
	}
	content, err := io.ReadAll(io.LimitReader(f, MaxImportUploadBytes+1))
	f.Close()
	if err != nil {
		s.InternalError(c, err)
		return
	}
	rep, ok := s.run(c, content, importing.Options{DryRun: true, Publish: publish, Actor: s.Actor(c)}, publish)
	if !ok {
		return
	}
	token, err := s.imp.Stage(c.Request.Context(), s.CurrentUser(c).ID, fh.Filename, content, publish)
	if err != nil {
		s.InternalError(c, err)
		return
	}
	s.render(c, http.StatusOK, ImportPage{Report: rep, Token: token, FileName: fh.Filename, Publish: publish})
}

// ConfirmImport answers POST /admin/import/:id/confirm: the file staged
// under token :id, by this admin, is imported — once: a second
// confirmation finds it taken (409) and imports nothing.
func (s *Imports) ConfirmImport(c *gin.Context) {
	st, err := s.imp.Take(c.Request.Context(), s.CurrentUser(c).ID, c.Param("id"))
	if err != nil {
		s.Fail(c, err)
		return
	}
	rep, ok := s.run(c, st.Content, importing.Options{Publish: st.Publish, Actor: s.Actor(c)}, st.Publish)
	if !ok {
		return
	}
	s.render(c, http.StatusOK, ImportPage{Report: rep, FileName: st.Name, Publish: st.Publish, Done: true})
}

// run imports content with o, or answers the file's refusal itself.
func (s *Imports) run(c *gin.Context, content []byte, o importing.Options, publish bool) (*importing.Report, bool) {
	items, err := importing.ParseCSV(bytes.NewReader(content))
	var fe *importing.FileError
	if errors.As(err, &fe) {
		lang := kit.Lang(c)
		alert := s.Translate(lang, "import.file_refused", "Line", fe.Line, "Message", s.Translate(lang, fe.Message, "Value", fe.Value))
		s.render(c, http.StatusUnprocessableEntity, ImportPage{AdminPage: AdminPage{Form: kit.Form{Alert: alert}}, Publish: publish})
		return nil, false
	}
	if err != nil {
		s.InternalError(c, err)
		return nil, false
	}
	rep, err := s.imp.Run(c.Request.Context(), items, o)
	if err != nil {
		s.Fail(c, err)
		return nil, false
	}
	return rep, true
}
