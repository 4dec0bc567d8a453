package kit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// assets serves the embedded static files under content-hashed URLs, so
// they can be cached for a year and still change on every release.
type assets struct {
	fsys   fs.FS
	byName map[string]string // "css/site.css" -> "/static/css/site.1a2b3c4d.css"
	byURL  map[string]asset  // "/static/css/site.1a2b3c4d.css" -> file
}

type asset struct {
	name  string
	ctype string
	body  []byte
	etag  string
	// CSS, JS and SVG are compressed once, at start-up.
	packed Variants
}

func newAssets(fsys fs.FS) (*assets, error) {
	a := &assets{fsys: fsys, byName: map[string]string{}, byURL: map[string]asset{}}
	err := fs.WalkDir(fsys, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		h := hex.EncodeToString(sum[:])[:10]
		name := strings.TrimPrefix(p, "static/")
		ext := path.Ext(name)
		u := "/static/" + strings.TrimSuffix(name, ext) + "." + h + ext
		a.byName[name] = u
		ct := mime.TypeByExtension(ext)
		if ct == "" {
			ct = "application/octet-stream"
		}
		a.byURL[u] = asset{name: name, ctype: ct, body: b, etag: `"` + h + `"`, packed: Precompress(ct, b)}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: load static files: %w", err)
	}
	return a, nil
}

// URL returns the hashed URL of a static file; templates call it as
// {{asset "css/site.css"}}. An unknown name is a template error at start-up
// or in tests, not a broken link in production.
func (a *assets) URL(name string) (string, error) {
	u, ok := a.byName[name]
	if !ok {
		return "", fmt.Errorf("unknown static file %q", name)
	}
	return u, nil
}

// serve answers in enc, from the variant compressed at start-up when
// there is one (ranges then count the compressed bytes, as HTTP says).
func (a *assets) serve(w http.ResponseWriter, r *http.Request, enc string) bool {
	f, ok := a.byURL[r.URL.Path]
	if !ok {
		return false
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	body, etag := f.body, f.etag
	if f.packed.Bytes() > 0 {
		AddVary(h, "Accept-Encoding")
		if v := f.packed.For(enc); v != nil {
			body, etag = v, EncodedETag(f.etag, enc)
			h.Set("Content-Encoding", enc)
		}
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(body))
	return true
}
