package manage

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // decoders for the accepted upload formats
	_ "image/jpeg"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/partnerdir/partnerdir/internal/web/kit"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/fault"
)

// Logo upload limits: the file (below the 1 MiB request limit) and the
// picture, checked from its header before decoding (no decompression bomb).
const (
	maxLogoBytes = 800 << 10
	maxLogoSide  = 2000
	logoURLDir   = "/uploads/logos/"
)

var logoName = regexp.MustCompile(`^[a-z0-9-]{1,80}-[0-9a-f]{16}\.png$`)

// badLogo is a logo the form refuses, with the message id to show.
func badLogo(id string) error { return fault.InvalidField("logo", id) }

// readLogo checks an uploaded picture and re-encodes it as PNG: whatever
// the upload held besides pixels (metadata, a script in disguise) is gone,
// and the file served is a PNG by construction.
func readLogo(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxLogoBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxLogoBytes {
		return nil, badLogo("manage.logo.too_big")
	}
	switch http.DetectContentType(data) {
	case "image/png", "image/jpeg", "image/gif":
	default:
		return nil, badLogo("manage.logo.type")
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, badLogo("manage.logo.type")
	}
	if cfg.Width < 16 || cfg.Height < 16 || cfg.Width > maxLogoSide || cfg.Height > maxLogoSide {
		return nil, badLogo("manage.logo.size")
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, badLogo("manage.logo.type")
	}
	var out bytes.Buffer
	if err := png.Encode(&out, img); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func (s *Pages) logoDir() string { return filepath.Join(s.uploadDir, "logos") }

// UploadLogo replaces the organisation's logo.
func (s *Pages) UploadLogo(c *gin.Context) {
	org := s.ManagedOrg(c)
	fh, err := c.FormFile("logo")
	if err != nil {
		s.FormFailed(c, badLogo("manage.logo.missing"), nil, s.redrawProfile(c))
		return
	}
	f, err := fh.Open()
	if err != nil {
		s.InternalError(c, err)
		return
	}
	defer f.Close()
	data, err := readLogo(f)
	if err != nil {
		s.FormFailed(c, err, nil, s.redrawProfile(c))
		return
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	name := fmt.Sprintf("%s-%s.png", org.Slug, hex.EncodeToString(b))
	if err := os.MkdirAll(s.logoDir(), 0o755); err != nil {
		s.InternalError(c, err)
		return
	}
	// Written under a temporary name and renamed: never a half file.
	tmp := filepath.Join(s.logoDir(), "."+name+".tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		s.InternalError(c, err)
		return
	}
	if err := os.Rename(tmp, filepath.Join(s.logoDir(), name)); err != nil {
		s.InternalError(c, err)
		return
	}
	old, err := s.dir.SetLogo(c.Request.Context(), s.Actor(c), org.ID, logoURLDir+name)
	if err != nil {
		_ = os.Remove(filepath.Join(s.logoDir(), name))
		s.Fail(c, err)
		return
	}
	if oldName, ok := strings.CutPrefix(old, logoURLDir); ok && logoName.MatchString(oldName) {
		if err := os.Remove(filepath.Join(s.logoDir(), oldName)); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.Logger(c).Warn("could not delete the old logo", "file", oldName, "err", err)
		}
	}
	kit.RedirectSaved(c, org, "")
}

// redrawProfile shows the profile form again after a refused logo, for
// FormFailed.
func (s *Pages) redrawProfile(c *gin.Context) func(int, kit.Form) {
	return func(status int, st kit.Form) { s.showProfileFormWith(c, status, st) }
}

// ServeLogo serves an uploaded logo: only names the upload makes, only as
// PNG, with a policy that forbids it from running anything.
func (s *Pages) ServeLogo(c *gin.Context) {
	name := c.Param("name")
	if !logoName.MatchString(name) {
		s.Fail(c, fault.ErrNotFound)
		return
	}
	f, err := os.Open(filepath.Join(s.logoDir(), name))
	if err != nil {
		s.Fail(c, fault.ErrNotFound)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		s.InternalError(c, err)
		return
	}
	h := c.Writer.Header()
	h.Set("Content-Type", "image/png")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(c.Writer, c.Request, "", st.ModTime(), f)
}

// LogoURL is the address of the organisation's logo, or "".
func (p ManagePage) LogoURL() string {
	if strings.HasPrefix(p.Org.LogoPath, logoURLDir) {
		return p.Org.LogoPath
	}
	return ""
}
