package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/locale"
)

// userAdmin is "user disable", "user enable" or "user revoke": it
// disables or re-enables a user, or ends all their sessions (revoke).
// Disabling ends their sessions too.
func userAdmin(op string) func(*flag.FlagSet) func(context.Context, env, []string) error {
	return func(fs *flag.FlagSet) func(context.Context, env, []string) error {
		email := fs.String("email", "", "the user's email address (required)")
		return func(ctx context.Context, e env, _ []string) error {
			if *email == "" {
				return usagef("--email is required")
			}
			return setUserAccess(ctx, e, op, *email)
		}
	}
}

func setUserAccess(ctx context.Context, e env, op, email string) error {
	a, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Accounts.UserByEmail(ctx, email)
	if errors.Is(err, fault.ErrNotFound) {
		return fmt.Errorf("no user with email %s", email)
	}
	if err != nil {
		return err
	}
	actor := audit.System("cli")
	switch op {
	case "disable", "enable":
		err = a.Accounts.SetDisabled(ctx, actor, u.ID, op == "disable")
	case "revoke":
		_, err = a.Accounts.EndSessions(ctx, actor, u.ID)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: done for user %d <%s>\n", op, u.ID, u.Email)
	return nil
}

// userCreate is "user create".
func userCreate(fs *flag.FlagSet) func(context.Context, env, []string) error {
	var n accounts.NewUser
	fs.StringVar(&n.Email, "email", "", "the user's email address (required)")
	fs.StringVar(&n.Name, "name", "", "the user's display name (required)")
	fs.StringVar(&n.Role, "role", "", "platform role: admin or staff (none for NGO users)")
	org := fs.String("org", "", "slug of an organisation the user joins")
	orgRole := fs.String("org-role", accounts.OrgEditor, "role in that organisation: owner or editor")
	return func(ctx context.Context, e env, _ []string) error {
		switch {
		case n.Email == "":
			return usagef("--email is required")
		case n.Name == "":
			return usagef("--name is required")
		}
		return createUser(ctx, e, n, *org, *orgRole)
	}
}

// createUser creates n, with orgRole in the organisation org when org is
// not empty; the password comes from standard input.
func createUser(ctx context.Context, e env, n accounts.NewUser, org, orgRole string) error {
	password, err := readPassword(e.stdin, e.stderr)
	if err != nil {
		return err
	}
	n.Password = password
	a, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	if org != "" {
		p, err := a.Directory.Profile(ctx, org, directory.ProfileOptions{Unpublished: true})
		if errors.Is(err, fault.ErrNotFound) {
			return fmt.Errorf("no organisation with slug %q", org)
		}
		if err != nil {
			return err
		}
		n.OrganisationID, n.OrgRole = p.ID, orgRole
	}
	id, err := a.Accounts.CreateUser(ctx, audit.System("cli"), n)
	switch {
	case errors.Is(err, fault.ErrInvalid):
		return fmt.Errorf("user create: %s", invalidFields(a.Locale, err))
	case errors.Is(err, fault.ErrConflict):
		return fmt.Errorf("user create: a user with email %s already exists", n.Email)
	case err != nil:
		return err
	}
	fmt.Fprintf(e.stdout, "created user %d <%s>\n", id, n.Email)
	return nil
}

// readPassword reads the password: typed twice without echo when stdin is
// a terminal (prompts on stderr), else the first line of stdin, so that
// echo 'pass' | partnerdir user create … works.
func readPassword(stdin io.Reader, prompts io.Writer) (string, error) {
	var pw string
	if f, ok := stdin.(*os.File); ok && isTerminal(f) {
		var err error
		if pw, err = promptPassword(f, prompts, "password: "); err != nil {
			return "", err
		}
		again, err := promptPassword(f, prompts, "password again: ")
		if err != nil {
			return "", err
		}
		if pw != again {
			return "", errors.New("the two passwords differ")
		}
	} else {
		line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read password from standard input: %w", err)
		}
		pw = strings.TrimRight(line, "\r\n")
	}
	if pw == "" {
		return "", fmt.Errorf("give the password on standard input (at least %d characters)", accounts.MinPasswordLength)
	}
	return pw, nil
}

// promptPassword asks for a password on the terminal tty without echoing
// what is typed.
func promptPassword(tty *os.File, prompts io.Writer, prompt string) (string, error) {
	fmt.Fprint(prompts, prompt)
	b, err := term.ReadPassword(int(tty.Fd()))
	fmt.Fprintln(prompts)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	return string(b), nil
}

// userList is "user list".
func userList(ctx context.Context, e env) error {
	a, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	users, err := a.Accounts.Users(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLE\tSTATUS\tORGANISATIONS\tLAST LOGIN")
	for _, u := range users {
		role, status, last := u.Role, "active", "never"
		if role == "" {
			role = "-"
		}
		if u.Disabled {
			status = "disabled"
		}
		if u.LastLoginAt != nil {
			last = u.LastLoginAt.UTC().Format("2006-01-02 15:04")
		}
		var orgs []string
		for _, m := range u.Memberships {
			orgs = append(orgs, m.OrganisationSlug+" ("+m.Role+")")
		}
		if len(orgs) == 0 {
			orgs = []string{"-"}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Name, role, status, strings.Join(orgs, ", "), last)
	}
	return tw.Flush()
}

// invalidFields words an invalid input's field messages for the operator,
// in English: "password: at least 12 characters".
func invalidFields(tr *locale.Translator, err error) string {
	fields := fault.FieldsOf(err)
	names := make([]string, 0, len(fields))
	for f := range fields {
		names = append(names, f)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, f := range names {
		parts[i] = "--" + f + ": " + tr.T("en", fields[f])
	}
	return strings.Join(parts, "; ")
}
