package manage

import (
	"errors"
	"net/http"

	"github.com/partnerdir/partnerdir/internal/web/kit"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/uploads"
)

// savePicture stores the picture posted as field under kind k, named after
// the managed organisation. No file is an Invalid error for field; a
// refused picture is the store's Invalid error for field.
func (s *Pages) savePicture(c *gin.Context, k uploads.Kind, field string) (uploads.Picture, error) {
	fh, err := c.FormFile(field)
	// A form posted without a file part, or not as multipart at all, has
	// no file either.
	if errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart) || (err == nil && fh.Size == 0) {
		return uploads.Picture{}, fault.InvalidField(field, k.Missing)
	}
	if err != nil {
		return uploads.Picture{}, err
	}
	f, err := fh.Open()
	if err != nil {
		return uploads.Picture{}, err
	}
	defer f.Close()
	return s.up.Save(c.Request.Context(), k, field, s.ManagedOrg(c).Slug, f)
}

// UploadLogo replaces the organisation's logo: checked, re-encoded as PNG
// and scaled to its variants (96 and 480 pixels) by the uploads store,
// then recorded; the old files go.
func (s *Pages) UploadLogo(c *gin.Context) {
	org := s.ManagedOrg(c)
	k := uploads.Logos()
	pic, err := s.savePicture(c, k, "logo")
	if err != nil {
		s.FormFailed(c, err, nil, s.redrawProfile(c))
		return
	}
	old, err := s.dir.SetLogo(c.Request.Context(), s.Actor(c), org.ID, pic.URL, pic.Width)
	if err != nil {
		if !pic.Reused { // a reused file may be the current logo
			_ = s.up.Remove(k, pic.URL)
		}
		s.Fail(c, err)
		return
	}
	// Logos are named after their content: the same picture again is the
	// same file, which stays.
	if old == pic.URL {
		kit.RedirectSaved(c, org, "")
		return
	}
	if err := s.up.Remove(k, old); err != nil {
		s.Logger(c).Warn("could not delete the old logo", "file", old, "err", err)
	}
	kit.RedirectSaved(c, org, "")
}

// redrawProfile shows the profile form again after a refused logo, for
// FormFailed.
func (s *Pages) redrawProfile(c *gin.Context) func(int, kit.Form) {
	return func(status int, st kit.Form) { s.showProfileFormWith(c, status, st) }
}
