package uploads

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/partnerdir/partnerdir/internal/fault"
)

// File is a stored document: its name in its kind's folder (what Open and
// Remove take), its size and its SHA-256 in hex.
type File struct {
	Name   string
	Size   int64
	SHA256 string
}

// pdfTail is how far from its end a PDF must say %%EOF. The format puts
// the marker last; writers may add a line break or a little padding.
const pdfTail = 1024

// SaveFile stores the document read from r as kind k (a Kind with
// Document), under a new random name starting with prefix (an
// organisation's slug). It reads at most k.MaxBytes + 1 bytes, to a
// temporary file, hashing them on the way; a refusal (no file, too big,
// not a PDF) is an Invalid error for field with the kind's message id,
// and leaves nothing behind.
func (s *Store) SaveFile(k Kind, field, prefix string, r io.Reader) (File, error) {
	if !k.Document {
		return File{}, fmt.Errorf("uploads: %s holds pictures, not documents", k.Name)
	}
	folder := filepath.Join(s.dir, k.Name)
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return File{}, fmt.Errorf("uploads: %w", err)
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	name := cleanPrefix(prefix) + "-" + hex.EncodeToString(b) + ".pdf"
	tmp, err := os.CreateTemp(folder, ".upload-*.tmp")
	if err != nil {
		return File{}, fmt.Errorf("uploads: %w", err)
	}
	kept := false
	defer func() {
		if !kept {
			_ = os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	head := &prefixBuffer{max: 8}
	tail := &suffixBuffer{max: pdfTail}
	n, err := io.Copy(io.MultiWriter(tmp, h, head, tail), io.LimitReader(r, k.MaxBytes+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return File{}, fmt.Errorf("uploads: read document: %w", err)
	}
	switch {
	case n == 0:
		return File{}, fault.InvalidField(field, k.Missing)
	case n > k.MaxBytes:
		return File{}, fault.InvalidField(field, k.TooBig)
	case !bytes.HasPrefix(head.b, []byte("%PDF-")) || !bytes.Contains(tail.b, []byte("%%EOF")):
		return File{}, fault.InvalidField(field, k.Type)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return File{}, fmt.Errorf("uploads: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(folder, name)); err != nil {
		return File{}, fmt.Errorf("uploads: write %s: %w", name, err)
	}
	kept = true
	return File{Name: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// OpenFile opens document name of kind k, with its content type;
// fault.ErrNotFound for a name SaveFile never makes or a file gone.
func (s *Store) OpenFile(k Kind, name string) (*os.File, string, error) {
	if !k.Document {
		return nil, "", errors.New("uploads: OpenFile is for documents")
	}
	return s.Open(k, name)
}

// RemoveFile deletes document name of kind k; a name SaveFile never makes,
// or a file already gone, is left alone (nil).
func (s *Store) RemoveFile(k Kind, name string) error {
	if !k.Document || !k.valid(name) {
		return nil
	}
	err := os.Remove(filepath.Join(s.dir, k.Name, name))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// prefixBuffer keeps the first max bytes written to it.
type prefixBuffer struct {
	b   []byte
	max int
}

func (p *prefixBuffer) Write(d []byte) (int, error) {
	if room := p.max - len(p.b); room > 0 {
		p.b = append(p.b, d[:min(room, len(d))]...)
	}
	return len(d), nil
}

// suffixBuffer keeps the last max bytes written to it.
type suffixBuffer struct {
	b   []byte
	max int
}

func (s *suffixBuffer) Write(d []byte) (int, error) {
	if len(d) >= s.max {
		s.b = append(s.b[:0], d[len(d)-s.max:]...)
		return len(d), nil
	}
	s.b = append(s.b, d...)
	if over := len(s.b) - s.max; over > 0 {
		s.b = append(s.b[:0], s.b[over:]...)
	}
	return len(d), nil
}
