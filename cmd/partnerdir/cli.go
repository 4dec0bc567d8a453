package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// command is one node of the command tree: a group of subcommands, or a
// command that runs. The usage texts, --help and usage errors all come
// from the tree, so every command answers them the same way, before any
// configuration is read.
type command struct {
	name     string // as typed after "partnerdir", such as "user create"
	synopsis string // what follows the name on the usage line
	summary  string // what it does; lines after the first are indented
	// subs are a group's commands.
	subs []*command
	// nargs is how many positional arguments a command takes at most
	// after its flags; -1 is any number.
	nargs int
	// setup declares the command's flags on fs and returns what runs once
	// they are parsed, with the positional arguments.
	setup func(fs *flag.FlagSet) func(ctx context.Context, e env, args []string) error
}

// commands is the whole command line of partnerdir.
func commands() *command {
	root := &command{subs: []*command{
		{name: "serve", summary: "run the web server and background workers",
			setup: noFlags(serve)},
		{name: "migrate", summary: "apply, roll back or list schema migrations", subs: []*command{
			{name: "migrate up", summary: "apply every pending migration", setup: migrate("up")},
			{name: "migrate down", summary: "roll back the most recent migration", setup: migrate("down")},
			{name: "migrate status", summary: "list the migrations and whether each is applied", setup: migrate("status")},
		}},
		{name: "seed", summary: "load demo or synthetic organisations", subs: []*command{
			{name: "seed demo", summary: "load the demo organisations and their articles (idempotent)", setup: noFlags(seedDemo)},
			{name: "seed synthetic", synopsis: "--orgs N [--seed S]",
				summary: "load N generated organisations (slugs syn-S-1…N) and 3\n" +
					"articles each with COPY, for benchmarks; a rerun only adds\n" +
					"missing ones; then run search reindex to index them",
				setup: seedSynthetic},
		}},
		{name: "user", summary: "create, list, disable and re-enable users", subs: []*command{
			{name: "user create", synopsis: "--email E --name N [--role admin|staff] [--org SLUG --org-role owner|editor]",
				summary: "create a user; the password is read from standard input\n" +
					"(prompted for, without echo, on a terminal)",
				setup: userCreate},
			{name: "user list", summary: "list users, their roles and organisations", setup: noFlags(userList)},
			{name: "user disable", synopsis: "--email E", summary: "disable a user and end their sessions", setup: userAdmin("disable")},
			{name: "user enable", synopsis: "--email E", summary: "re-enable a disabled user", setup: userAdmin("enable")},
			{name: "user revoke", synopsis: "--email E", summary: "end all of a user's sessions", setup: userAdmin("revoke")},
		}},
		{name: "search", summary: "rebuild or check the search indexes (organisations, articles)", subs: []*command{
			{name: "search reindex", summary: "rebuild each search index into a fresh one and swap it in", setup: searchReindex},
			{name: "search verify", synopsis: "[--repair]",
				summary: "compare each index with the database; --repair fixes the drift", setup: searchVerify},
		}},
		{name: "offers", summary: "support offers", subs: []*command{
			{name: "offers purge",
				summary: "anonymise the offers past their retention (OFFER_RETENTION,\n" +
					"default 12 months after closing; OFFER_SPAM_RETENTION, 30 days)",
				setup: noFlags(offersPurge)},
		}},
		{name: "news", summary: "partner news and its newsletter", subs: []*command{
			{name: "news digest", synopsis: "[--now]",
				summary: "queue the newsletter's digest of the current period (NEWSLETTER_DIGEST,\n" +
					"default monthly) for the workers of serve; --now queues the mails here:\n" +
					"each confirmed subscriber gets the new articles matching their choices\n" +
					"since their last digest, once per period, and nothing when nothing is new",
				setup: newsDigest},
		}},
		{name: "import", summary: "bulk import of organisations, with a report", subs: []*command{
			{name: "import csv", synopsis: "FILE [--dry-run] [--publish] [--report FILE]", nargs: -1,
				summary: "import the organisations of a CSV file (README.md, \"Bulk import\"), one\n" +
					"transaction each, matched by identifier, website domain, then slug;\n" +
					"new ones wait for review unless --publish. Prints the counts and each\n" +
					"refused row; exits 1 when a row was refused, 0 when all went in",
				setup: importCSV},
			{name: "import hsds", synopsis: "DIR [--dry-run] [--publish] [--report FILE]", nargs: -1,
				summary: "import the records of an HSDS 3.0 export (export hsds's layout:\n" +
					"DIR/index.json and its records), each checked against our schema,\n" +
					"matched and written as import csv does; new ones wait for review\n" +
					"unless --publish; exits 1 when a record was refused",
				setup: importHSDS},
		}},
		{name: "export", summary: "write the directory as open data", subs: []*command{
			{name: "export hsds", synopsis: "--out DIR",
				summary: "write every published organisation as an Open Referral HSDS 3.0\n" +
					"record, DIR/organizations/<id>.json, with DIR/index.json; the\n" +
					"export replaces DIR (new, empty or an earlier export) at once",
				setup: exportHSDS},
		}},
		{name: "retention", summary: "personal data past its retention", subs: []*command{
			{name: "retention run",
				summary: "apply every retention now, as the daily jobs do: offers purge,\n" +
					"then what PERSONAL_DATA_RETENTION (default 90 days) covers: login\n" +
					"counters, ended sessions, audit entries' personal details,\n" +
					"account mails; and newsletter sign-ups never confirmed (7 days)",
				setup: noFlags(retentionRun)},
		}},
	}}
	root.subs = append(root.subs, &command{name: "help", synopsis: "[command]", nargs: -1,
		summary: "show the usage of partnerdir or of a command", setup: func(*flag.FlagSet) func(context.Context, env, []string) error {
			return func(_ context.Context, e env, args []string) error {
				c := root
				for _, a := range args {
					if c = c.sub(a); c == nil {
						return usagef("unknown command %q", strings.Join(args, " "))
					}
				}
				fmt.Fprint(e.stdout, c.usage())
				return nil
			}
		}})
	return root
}

// noFlags adapts a command that takes neither flags nor arguments.
func noFlags(run func(context.Context, env) error) func(*flag.FlagSet) func(context.Context, env, []string) error {
	return func(*flag.FlagSet) func(context.Context, env, []string) error {
		return func(ctx context.Context, e env, _ []string) error { return run(ctx, e) }
	}
}

// execute runs the command line args against c: it finds the command,
// answers --help on standard output, parses the flags and runs it.
func (c *command) execute(ctx context.Context, e env, args []string) (err error) {
	defer func() {
		var ue *usageError
		if errors.As(err, &ue) && ue.usage == "" {
			ue.command, ue.usage = c.path(), c.usage()
		}
	}()
	if c.subs != nil {
		switch {
		case len(args) == 0:
			return usagef("missing command")
		case isHelpFlag(args[0]):
			fmt.Fprint(e.stdout, c.usage())
			return nil
		case strings.HasPrefix(args[0], "-"):
			return usagef("flag provided but not defined: %s", args[0])
		}
		sub := c.sub(args[0])
		if sub == nil {
			return usagef("unknown command %q", args[0])
		}
		return sub.execute(ctx, e, args[1:])
	}
	fs := c.flagSet()
	run := c.setup(fs)
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(e.stdout, c.usage())
		return nil
	} else if err != nil {
		return usagef("%v", err)
	}
	if c.nargs >= 0 && fs.NArg() > c.nargs {
		return usagef("unexpected argument %q", fs.Arg(c.nargs))
	}
	return run(ctx, e, fs.Args())
}

// flagSet is a fresh set for the command's flags. It writes nothing
// itself: a parse error comes back as a usage error, which main prints
// once with the usage.
func (c *command) flagSet() *flag.FlagSet {
	fs := flag.NewFlagSet(c.path(), flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// sub is the subcommand of c called name.
func (c *command) sub(name string) *command {
	full := strings.TrimSpace(c.name + " " + name)
	for _, s := range c.subs {
		if s.name == full {
			return s
		}
	}
	return nil
}

// path is the command as typed, "partnerdir user create".
func (c *command) path() string {
	if c.name == "" {
		return "partnerdir"
	}
	return "partnerdir " + c.name
}

// usage is the command's help text: its usage line, what it does, and its
// flags or its subcommands.
func (c *command) usage() string {
	var b strings.Builder
	switch {
	case c.name == "":
		b.WriteString("usage: partnerdir <command> [arguments]\n\ncommands:\n")
		c.list(&b)
		b.WriteString("\nconfiguration comes from environment variables; see README.md.\n" +
			"partnerdir <command> --help shows a command's flags.\n")
	case c.subs != nil:
		fmt.Fprintf(&b, "usage: %s <command> [arguments]\n\n%s\n\ncommands:\n", c.path(), c.summary)
		c.list(&b)
	default:
		fmt.Fprintf(&b, "usage: %s\n\n%s\n", strings.TrimSpace(c.path()+" "+c.synopsis), c.summary)
		fs := c.flagSet()
		c.setup(fs)
		if n := countFlags(fs); n > 0 {
			b.WriteString("\nflags:\n")
			fs.SetOutput(&b)
			fs.PrintDefaults()
		}
	}
	return b.String()
}

// list writes one entry per command under c, the summary aligned in a
// column.
func (c *command) list(b *strings.Builder) {
	const column = 32
	for _, s := range c.subs {
		if s.subs != nil {
			s.list(b)
			continue
		}
		call := "  " + strings.TrimSpace(s.name+" "+s.synopsis)
		if len(call) < column-1 {
			b.WriteString(call + strings.Repeat(" ", column-len(call)))
		} else {
			b.WriteString(call + "\n" + strings.Repeat(" ", column))
		}
		b.WriteString(strings.ReplaceAll(s.summary, "\n", "\n"+strings.Repeat(" ", column)) + "\n")
	}
}

func countFlags(fs *flag.FlagSet) int {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n
}

func isHelpFlag(a string) bool { return a == "-h" || a == "-help" || a == "--help" }

// usageError is a mistake in the command line: an unknown command or
// flag, a missing or bad flag value, an extra argument. main prints it on
// standard error with the usage of the command it concerns, and exits 2.
type usageError struct {
	command string // "partnerdir user create"
	problem string // one line
	usage   string // the command's usage text
}

func (e *usageError) Error() string { return e.command + ": " + e.problem }

// usagef is a usage error of the command that returns it: execute fills
// in which command that is, and its usage.
func usagef(format string, args ...any) error {
	return &usageError{problem: fmt.Sprintf(format, args...)}
}

// exitCode reports err on stderr and returns the process's exit status:
// 0 without an error; 2 for a usage error, after one line naming the
// problem and the command's usage; 1 otherwise, after one line
// "partnerdir: …".
func exitCode(err error, stderr io.Writer) int {
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "%s\n%s", ue.Error(), ue.usage)
		return 2
	}
	fmt.Fprintln(stderr, "partnerdir:", oneLine(err.Error()))
	return 1
}

// oneLine joins the lines of msg (configuration errors name one bad
// variable a line; pgx puts each address it tried on its own line).
func oneLine(msg string) string {
	var b strings.Builder
	for _, l := range strings.Split(msg, "\n") {
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		if b.Len() > 0 {
			if strings.HasSuffix(b.String(), ":") {
				b.WriteString(" ")
			} else {
				b.WriteString("; ")
			}
		}
		b.WriteString(l)
	}
	return b.String()
}

// isTerminal reports whether f is an *os.File open on a terminal: progress
// bars and password prompts are for people, plain lines for scripts.
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && term.IsTerminal(int(file.Fd()))
}

// progress reports done/total as a bar on a terminal, and as a plain line
// every few seconds (and at the end) otherwise.
func progress(w io.Writer, what string) func(done, total int) {
	if isTerminal(w) {
		var bar *progressbar.ProgressBar
		return func(done, total int) {
			if bar == nil {
				bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(what),
					progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("docs"),
					progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }))
			}
			_ = bar.Set(done)
		}
	}
	var last time.Time
	return func(done, total int) {
		if done == total || time.Since(last) >= 2*time.Second {
			last = time.Now()
			fmt.Fprintf(w, "%s: %d/%d\n", what, done, total)
		}
	}
}

// howMany writes n things in English, the singular for one: "1 digest",
// "3 digests" (the command line speaks English; pages use the locale
// files' plural forms).
func howMany(n int, one, other string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, other)
}
