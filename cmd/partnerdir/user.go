package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
)

// user runs `user create` and `user list`.
func user(ctx context.Context, e env) error {
	if len(e.args) == 0 {
		return errUsage
	}
	switch e.args[0] {
	case "create":
		return userCreate(ctx, e)
	case "list":
		return userList(ctx, e)
	case "disable", "enable", "revoke":
		return userAdmin(ctx, e, e.args[0])
	}
	return fmt.Errorf("unknown user command %q (want create, list, disable, enable or revoke)", e.args[0])
}

// userAdmin disables or re-enables a user, or ends all their sessions
// (revoke). Disabling ends their sessions too.
func userAdmin(ctx context.Context, e env, op string) error {
	fs := flag.NewFlagSet("user "+op, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	email := fs.String("email", "", "the user's email address (required)")
	if err := fs.Parse(e.args[1:]); err != nil {
		return err
	}
	if *email == "" || fs.NArg() > 0 {
		return fmt.Errorf("usage: partnerdir user %s --email E", op)
	}
	a, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Accounts.UserByEmail(ctx, *email)
	if errors.Is(err, fault.ErrNotFound) {
		return fmt.Errorf("no user with email %s", *email)
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

func userCreate(ctx context.Context, e env) error {
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	email := fs.String("email", "", "the user's email address (required)")
	name := fs.String("name", "", "the user's display name (required)")
	role := fs.String("role", "", "platform role: admin or staff (none for NGO users)")
	org := fs.String("org", "", "slug of an organisation the user joins")
	orgRole := fs.String("org-role", accounts.OrgEditor, "role in that organisation: owner or editor")
	if err := fs.Parse(e.args[1:]); err != nil {
		return err
	}
	if *email == "" || *name == "" || fs.NArg() > 0 {
		return errors.New("usage: partnerdir user create --email E --name N [--role admin|staff] [--org SLUG --org-role owner|editor] < password")
	}
	password, err := readPassword(e.stdin)
	if err != nil {
		return err
	}
	a, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	n := accounts.NewUser{Email: *email, Name: *name, Password: password, Role: *role}
	if *org != "" {
		p, err := a.Directory.Profile(ctx, *org, directory.ProfileOptions{Unpublished: true})
		if errors.Is(err, fault.ErrNotFound) {
			return fmt.Errorf("no organisation with slug %q", *org)
		}
		if err != nil {
			return err
		}
		n.OrganisationID, n.OrgRole = p.ID, *orgRole
	}
	id, err := a.Accounts.CreateUser(ctx, audit.System("cli"), n)
	switch {
	case errors.Is(err, fault.ErrInvalid):
		return fmt.Errorf("user create: %w", err)
	case errors.Is(err, fault.ErrConflict):
		return fmt.Errorf("user create: a user with email %s already exists", *email)
	case err != nil:
		return err
	}
	fmt.Fprintf(e.stdout, "created user %d <%s>\n", id, *email)
	return nil
}

// readPassword reads the password from the first line of stdin.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from standard input: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", fmt.Errorf("give the password on standard input (at least %d characters)", accounts.MinPasswordLength)
	}
	return pw, nil
}

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
