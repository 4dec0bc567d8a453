package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/partnerdir/partnerdir/internal/app"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/hsds"
	"github.com/partnerdir/partnerdir/internal/importing"
)

// importFlags are the flags every import command takes.
type importFlags struct {
	dryRun  *bool
	publish *bool
	report  *string
}

func declareImportFlags(fs *flag.FlagSet) importFlags {
	return importFlags{
		dryRun:  fs.Bool("dry-run", false, "take every decision and write nothing (each row's transaction is rolled back)"),
		publish: fs.Bool("publish", false, "publish the new organisations at once instead of leaving them pending review"),
		report:  fs.String("report", "", "also write the whole report to this `FILE` as CSV (line, slug, outcome, field, message)"),
	}
}

// oneArgument is the single positional argument of a command whose flags
// may come before or after it (import csv FILE --dry-run).
func oneArgument(fs *flag.FlagSet, args []string, what string) (string, error) {
	if len(args) == 0 {
		return "", usagef("missing %s", what)
	}
	arg := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return "", usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return "", usagef("unexpected argument %q", fs.Arg(0))
	}
	return arg, nil
}

// importCSV is import csv FILE [--dry-run] [--publish] [--report FILE].
func importCSV(fs *flag.FlagSet) func(context.Context, env, []string) error {
	f := declareImportFlags(fs)
	return func(ctx context.Context, e env, args []string) error {
		path, err := oneArgument(fs, args, "FILE")
		if err != nil {
			return err
		}
		file, err := os.Open(path)
		if err != nil {
			return err
		}
		defer file.Close()
		info, err := file.Stat()
		if err != nil {
			return err
		}
		a, err := open(ctx, e)
		if err != nil {
			return err
		}
		defer a.Close()
		if info.Size() > importing.MaxFileBytes {
			return fileRefused(a, path, &importing.FileError{Line: 1, Message: "import.err.file_too_long", Value: strconv.Itoa(importing.MaxFileBytes)})
		}
		read := &countingReader{r: file}
		items, err := importing.ParseCSV(read)
		var fe *importing.FileError
		if errors.As(err, &fe) {
			return fileRefused(a, path, fe)
		}
		if err != nil {
			return err
		}
		return runImport(ctx, e, a, items, f, importProgress(e.stderr, info.Size(), read))
	}
}

// runImport imports items with the flags' options and reports: the
// counts, then each refused row, on stdout, and the whole report as CSV
// with --report. Some rows refused is an error (exit 1). `import hsds DIR`
// is this over the items of hsds.Decode.
func runImport(ctx context.Context, e env, a *app.App, items iter.Seq[importing.Item], f importFlags, progress func()) error {
	rep, err := a.Importer.Run(ctx, items, importing.Options{
		Actor: audit.System("cli"), DryRun: *f.dryRun, Publish: *f.publish,
		Progress: func(importing.Row) { progress() },
	})
	progress()
	if rep != nil {
		printReport(e.stdout, a, rep)
		if *f.report != "" {
			if werr := writeReport(*f.report, a, rep); werr != nil && err == nil {
				err = werr
			}
		}
	}
	if err != nil {
		return err
	}
	if !rep.OK() {
		return fmt.Errorf("import: %d of %d rows refused", rep.Refused, len(rep.Rows))
	}
	return nil
}

// say is a problem in English, as the command line speaks.
func say(a *app.App, p importing.Problem) string {
	return a.Locale.T("en", p.Message, "Value", p.Value)
}

func printReport(w io.Writer, a *app.App, rep *importing.Report) {
	what := "import"
	if rep.DryRun {
		what = "import (dry run, nothing written)"
	}
	fmt.Fprintf(w, "%s: %s\n", what, a.Locale.T("en", "import.cli.summary", "Created", rep.Created, "Updated", rep.Updated,
		"Unchanged", rep.Unchanged, "Refused", rep.Refused))
	for _, row := range rep.RefusedRows() {
		for _, p := range row.Problems {
			field := p.Field
			if field == "" {
				field = "-"
			}
			fmt.Fprintf(w, "line %d\t%s\t%s\t%s\n", row.Line, row.Slug, field, say(a, p))
		}
	}
}

func writeReport(path string, a *app.App, rep *importing.Report) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := rep.WriteCSV(out, func(p importing.Problem) string { return say(a, p) }); err != nil {
		out.Close()
		return fmt.Errorf("write report %s: %w", path, err)
	}
	return out.Close()
}

// fileRefused is the one line of a file refused as a whole.
func fileRefused(a *app.App, path string, fe *importing.FileError) error {
	return fmt.Errorf("%s refused at line %d: %s", path, fe.Line, say(a, importing.Problem{Message: fe.Message, Value: fe.Value}))
}

// importProgress draws a bar of the bytes read on a terminal, and nothing
// elsewhere (a pipe, a file, a test).
func importProgress(w io.Writer, size int64, read *countingReader) func() {
	if !isTerminal(w) {
		return func() {}
	}
	bar := progressbar.NewOptions64(size, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("import"),
		progressbar.OptionShowBytes(true), progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
	return func() { _ = bar.Set64(read.n) }
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// importHSDS is import hsds DIR [--dry-run] [--publish] [--report FILE]:
// the records of an HSDS export (export hsds, or another directory's in
// the same layout), in its index's order, each decoded strictly
// (hsds.Decode) and imported as a CSV row is. A record that does not
// decode is refused naming its field; the others go on.
func importHSDS(fs *flag.FlagSet) func(context.Context, env, []string) error {
	f := declareImportFlags(fs)
	return func(ctx context.Context, e env, args []string) error {
		dir, err := oneArgument(fs, args, "DIR")
		if err != nil {
			return err
		}
		idx, err := readHSDSIndex(dir)
		if err != nil {
			return err
		}
		a, err := open(ctx, e)
		if err != nil {
			return err
		}
		defer a.Close()
		done := 0
		progress := importCount(e.stderr, len(idx.Organizations), &done)
		return runImport(ctx, e, a, hsdsItems(dir, idx, &done), f, progress)
	}
}

// readHSDSIndex reads DIR/index.json.
func readHSDSIndex(dir string) (*hsds.Index, error) {
	b, err := os.ReadFile(filepath.Join(dir, hsds.IndexFile))
	if err != nil {
		return nil, fmt.Errorf("import hsds: %w", err)
	}
	var idx hsds.Index
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, fmt.Errorf("import hsds: %s: %w", hsds.IndexFile, err)
	}
	return &idx, nil
}

// hsdsItems are the index's records as import items, numbered from 1 in
// the index's order; a record is read only when its turn comes.
func hsdsItems(dir string, idx *hsds.Index, done *int) iter.Seq[importing.Item] {
	return func(yield func(importing.Item) bool) {
		for i, entry := range idx.Organizations {
			*done = i + 1
			line := i + 1
			item := hsdsItem(dir, line, entry)
			if !yield(item) {
				return
			}
		}
	}
}

// hsdsItem reads and decodes one record of the index; a path outside DIR,
// an unreadable file or a record that fails its checks is a refusal.
func hsdsItem(dir string, line int, entry hsds.IndexEntry) importing.Item {
	name := filepath.Clean(filepath.FromSlash(entry.File))
	if !filepath.IsLocal(name) {
		return importing.Refused(line, "file", "hsds.err.file", entry.File)
	}
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return importing.Refused(line, "file", "hsds.err.file", entry.File)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, hsds.MaxRecordBytes+1))
	if err != nil {
		return importing.Refused(line, "file", "hsds.err.file", entry.File)
	}
	p, err := hsds.Decode(data)
	if err != nil {
		fields := fault.FieldsOf(err)
		if len(fields) == 0 {
			return importing.Refused(line, "record", "hsds.err.json", entry.File)
		}
		var problems []importing.Problem
		for _, field := range slices.Sorted(maps.Keys(fields)) {
			problems = append(problems, importing.Problem{Field: field, Message: fields[field], Value: fault.ValueOf(err)})
		}
		return importing.Item{Line: line, Problems: problems}
	}
	return importing.Item{Line: line, Profile: p, Contacts: p.Contacts, Column: hsds.Field}
}

// importCount shows how many of total records went, on a terminal only
// (nothing on a pipe).
func importCount(w io.Writer, total int, done *int) func() {
	if !isTerminal(w) {
		return func() {}
	}
	bar := progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("import"),
		progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
	return func() { _ = bar.Set(*done) }
}
