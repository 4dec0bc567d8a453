package web_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/partnerdir/partnerdir/internal/web"
)

func (b *browser) upload(path, field, filename string, data []byte) *httptest.ResponseRecorder {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField(web.CSRFField, b.token)
	fw, _ := w.CreateFormFile(field, filename)
	_, _ = fw.Write(data)
	_ = w.Close()
	req := httptest.NewRequest(http.MethodPost, path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.do(req)
}

func testPicture(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		img.Set(x, x%h, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var logoSrc = regexp.MustCompile(`<img src="(/uploads/logos/[a-z0-9-]+\.png)"`)

func TestLogoUploadIsCheckedAndReencoded(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.owner(t)
	b := f.browser(t)
	b.login("owner@example.org")
	b.get("/manage/ecpat-luxembourg")

	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"script.png", []byte("<script>alert(1)</script>"), "pas une image PNG, JPEG ou GIF"},
		{"huge.jpg", testPicture(t, 2500, 20), "entre 16 et 2000 pixels"},
		{"big.png", bytes.Repeat([]byte{0x89}, 900<<10), "dépasse 800 Ko"},
	}
	for _, tc := range cases {
		rec := b.upload("/manage/ecpat-luxembourg/logo", "logo", tc.name, tc.data)
		if rec.Code != http.StatusUnprocessableEntity && rec.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("%s: %d", tc.name, rec.Code)
			continue
		}
		if rec.Code == http.StatusUnprocessableEntity {
			wantStatus(t, rec, rec.Code, tc.want, `id="err-logo"`)
		}
	}

	rec := b.upload("/manage/ecpat-luxembourg/logo", "logo", "logo.jpg", testPicture(t, 120, 60))
	wantStatus(t, rec, http.StatusSeeOther)
	m := logoSrc.FindStringSubmatch(b.get("/manage/ecpat-luxembourg").Body.String())
	if m == nil {
		t.Fatal("the profile form does not show the new logo")
	}
	rec = b.get(m[1])
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/png" || !bytes.HasPrefix(rec.Body.Bytes(), []byte("\x89PNG")) {
		t.Fatalf("logo served as %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if _, _, err := image.Decode(bytes.NewReader(rec.Body.Bytes())); err != nil {
		t.Errorf("served logo is not a picture: %v", err)
	}
	for _, bad := range []string{"/uploads/logos/..%2f..%2fetc%2fpasswd", "/uploads/logos/x.svg", "/uploads/logos/ecpat-luxembourg-0000000000000000.png"} {
		if rec := b.get(bad); rec.Code != http.StatusNotFound {
			t.Errorf("%s: %d", bad, rec.Code)
		}
	}
	// Replacing the logo removes the old file.
	wantStatus(t, b.upload("/manage/ecpat-luxembourg/logo", "logo", "logo2.jpg", testPicture(t, 64, 64)), http.StatusSeeOther)
	if rec := b.get(m[1]); rec.Code != http.StatusNotFound {
		t.Errorf("old logo still served: %d", rec.Code)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'organisation.logo' AND organisation_id = $1`, f.orgID(t, "ecpat-luxembourg")); n != 2 {
		t.Errorf("%d logo audit entries, want 2", n)
	}
}
