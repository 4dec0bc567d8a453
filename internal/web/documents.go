package web

import (
	"errors"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"golang.org/x/text/unicode/norm"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/uploads"
)

// serveDocument answers GET /organisations/:slug/documents/:id, the one
// stable address of a document, for two audiences. A public document of a
// published organisation is anyone's; any other (private, or of an
// organisation not yet published) only its owners' and editors', and
// staff's and admins' (who verify organisations, two-factor signed in).
// Everyone else gets the same 404 as for no document at all. The file is
// a download (Content-Disposition: attachment, with a name made from the
// title), never sniffed and never run: nosniff and a sandboxing policy.
func (s *Server) serveDocument(c *gin.Context) {
	slug := c.Param("slug")
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if !directory.ValidSlug(slug) || err != nil || id <= 0 {
		s.Fail(c, fault.ErrNotFound)
		return
	}
	d, status, err := s.dir.DocumentOf(c.Request.Context(), slug, id)
	if err != nil {
		s.Fail(c, err)
		return
	}
	open := d.Public && status == directory.StatusPublished
	if !open {
		ok, err := s.mayReadPrivate(c, d.OrganisationID)
		if err != nil {
			s.Fail(c, err)
			return
		}
		if !ok {
			s.Fail(c, fault.ErrNotFound)
			return
		}
	}
	f, ctype, err := s.uploads.OpenFile(uploads.Documents(), d.FileName)
	if err != nil {
		if errors.Is(err, fault.ErrNotFound) {
			s.Logger(c).Error("a document's file is missing", "document", d.ID, "file", d.FileName)
		}
		s.Fail(c, err)
		return
	}
	defer f.Close()
	h := c.Writer.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": downloadName(slug, d)}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	// A document's file never changes under its id (a new version is a
	// new document): its digest is its validator.
	h.Set("ETag", `"`+d.SHA256+`"`)
	if open {
		h.Set("Cache-Control", "public, max-age=3600")
	} else {
		h.Set("Cache-Control", "private, no-store")
	}
	http.ServeContent(c.Writer, c.Request, "", d.CreatedAt, f)
}

// mayReadPrivate says whether the signed-in user may read the private
// documents of organisation orgID: its owners and editors, and staff and
// admins once signed in with their second factor.
func (s *Server) mayReadPrivate(c *gin.Context, orgID int64) (bool, error) {
	u := s.CurrentUser(c)
	if u == nil {
		return false, nil
	}
	if u.IsStaff() {
		return !u.NeedsTwoFactor(), nil
	}
	role, err := s.acc.Role(c.Request.Context(), u.ID, orgID)
	if errors.Is(err, fault.ErrNotFound) {
		return false, nil
	}
	return role != "", err
}

var notFileName = regexp.MustCompile(`[^a-z0-9]+`)

// downloadName is the file name a document is saved under: the
// organisation's slug, its title in plain ASCII and its year
// ("ecpat-luxembourg-rapport-annuel-2024.pdf"), at most about 100
// characters, nothing a file system or a header could misread.
func downloadName(slug string, d *directory.Document) string {
	var b strings.Builder
	for _, r := range norm.NFKD.String(strings.ToLower(d.Title)) {
		if r < 128 {
			b.WriteRune(r)
		}
	}
	title := strings.Trim(notFileName.ReplaceAllString(b.String(), "-"), "-")
	if len(title) > 60 {
		title = strings.TrimRight(title[:60], "-")
	}
	name := slug
	if title != "" {
		name += "-" + title
	}
	if d.Year != 0 && !strings.Contains(title, strconv.Itoa(d.Year)) {
		name += "-" + strconv.Itoa(d.Year)
	}
	return name + ".pdf"
}
