package hsds

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/partnerdir/partnerdir/internal/directory"
)

// The layout of a bulk export (WriteExport): IndexFile and one file per
// organisation in RecordsDir, named <id>.json.
const (
	IndexFile  = "index.json"
	RecordsDir = "organizations"
)

// IndexEntry is one organisation in an export's index.
type IndexEntry struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// File is the record's path relative to the index
	// ("organizations/<id>.json").
	File string `json:"file"`
}

// Index is an export's index.json: when it was generated, how many records
// it holds, and each of them in the order of their ids (EachProfile's).
type Index struct {
	Version       string       `json:"hsds_version"`
	GeneratedAt   time.Time    `json:"generated_at"`
	Count         int          `json:"count"`
	Organizations []IndexEntry `json:"organizations"`
}

// exportWriters encode and write records while the walk reads the next
// batch; exportQueue bounds the profiles waiting for them (memory holds at
// most a batch and the queue).
const (
	exportWriters = 4
	exportQueue   = 256
)

// Profiles walks profiles, calling fn with each (directory.Store's
// EachProfile with its batch size).
type Profiles func(ctx context.Context, fn func(*directory.Profile) error) error

// WriteExport writes the public record (Encode) of every profile each
// walks into dir, with an index, and returns how many it wrote. It
// streams: one record at a time is in memory, and the index is written as
// the records are. The export appears at once or not at all: it is written
// into a temporary folder beside dir, then renamed to dir; a previous
// export in dir is replaced (and removed), but a dir holding anything else
// is refused, never deleted.
func WriteExport(ctx context.Context, dir string, each Profiles, now time.Time) (int, error) {
	dir = filepath.Clean(dir)
	if err := replaceable(dir); err != nil {
		return 0, err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".tmp-")
	if err != nil {
		return 0, fmt.Errorf("hsds: export: %w", err)
	}
	done := false
	defer func() {
		if !done {
			_ = os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return 0, fmt.Errorf("hsds: export: %w", err)
	}
	if err := os.Mkdir(filepath.Join(tmp, RecordsDir), 0o755); err != nil {
		return 0, fmt.Errorf("hsds: export: %w", err)
	}
	idx, err := os.Create(filepath.Join(tmp, IndexFile))
	if err != nil {
		return 0, fmt.Errorf("hsds: export: %w", err)
	}
	defer idx.Close()
	w := bufio.NewWriterSize(idx, 64<<10)
	head, _ := json.Marshal(struct {
		Version     string    `json:"hsds_version"`
		GeneratedAt time.Time `json:"generated_at"`
	}{"3.0", now.UTC()})
	w.Write(head[:len(head)-1])
	w.WriteString(`,"organizations":[`)

	// The walk reads the next batch while writers encode and write the
	// records of the last one: reading and writing each take about half
	// the time. The index is written by the walk, in its order.
	n := 0
	g, gctx := errgroup.WithContext(ctx)
	records := make(chan *directory.Profile, exportQueue)
	for range exportWriters {
		g.Go(func() error {
			var buf []byte
			for p := range records {
				o := Encode(p)
				var err error
				if buf, err = appendJSON(buf[:0], o); err != nil {
					return err
				}
				if err := os.WriteFile(filepath.Join(tmp, RecordsDir, o.ID+".json"), buf, 0o644); err != nil {
					return err
				}
			}
			return nil
		})
	}
	g.Go(func() error {
		defer close(records)
		return each(gctx, func(p *directory.Profile) error {
			id := ID(&p.Organisation)
			entry, _ := json.Marshal(IndexEntry{ID: id, Name: p.Name, File: RecordsDir + "/" + id + ".json"})
			if n > 0 {
				w.WriteByte(',')
			}
			w.WriteString("\n")
			w.Write(entry)
			n++
			select {
			case records <- p:
				return nil
			case <-gctx.Done():
				return gctx.Err()
			}
		})
	})
	if err := g.Wait(); err != nil {
		return 0, fmt.Errorf("hsds: export: %w", err)
	}
	fmt.Fprintf(w, "\n],\"count\":%d}\n", n)
	if err := w.Flush(); err != nil {
		return 0, fmt.Errorf("hsds: export: write the index: %w", err)
	}
	if err := idx.Close(); err != nil {
		return 0, fmt.Errorf("hsds: export: write the index: %w", err)
	}
	// Swap: the old export moves aside, the new one takes its name, the
	// old one goes.
	old := ""
	if _, err := os.Stat(dir); err == nil {
		old = tmp + ".old"
		if err := os.Rename(dir, old); err != nil {
			return 0, fmt.Errorf("hsds: export: %w", err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if old != "" {
			_ = os.Rename(old, dir)
		}
		return 0, fmt.Errorf("hsds: export: %w", err)
	}
	done = true
	if old != "" {
		if err := os.RemoveAll(old); err != nil {
			return n, fmt.Errorf("hsds: export written; remove the previous one (%s): %w", old, err)
		}
	}
	return n, nil
}

// ErrNotAnExport refuses to replace a folder that holds something other
// than an export.
var ErrNotAnExport = errors.New("the output folder exists and holds something other than an HSDS export; choose an empty or new folder")

// replaceable reports whether dir may become the export: absent, empty, or
// an earlier export (index.json and organizations/ only).
func replaceable(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("hsds: export: %w", err)
	}
	for _, e := range entries {
		if !slices.Contains([]string{IndexFile, RecordsDir}, e.Name()) {
			return fmt.Errorf("hsds: export to %s: %w", dir, ErrNotAnExport)
		}
	}
	return nil
}

// appendJSON appends o as JSON, one line: indented, the files of an
// export of 100,000 organisations took twice the space and time.
func appendJSON(buf []byte, o Organization) ([]byte, error) {
	b, err := json.Marshal(o)
	if err != nil {
		return buf, err
	}
	return append(append(buf, b...), '\n'), nil
}
