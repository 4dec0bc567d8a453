package accounts_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/fault"
)

func TestListUsersSearchAndPaging(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool := newStore(t)
	org := newOrg(t, pool, "acme")
	for i := range 7 {
		n := accounts.NewUser{Email: fmt.Sprintf("user%d@example.org", i), Name: fmt.Sprintf("User %d", i)}
		if i == 3 {
			n.Name, n.OrganisationID, n.OrgRole = "Awa Diop", org, accounts.OrgOwner
		}
		if _, err := s.CreateUser(ctx, cli, n); err != nil {
			t.Fatal(err)
		}
	}
	p, err := s.ListUsers(ctx, accounts.UserFilter{PerPage: 3, Page: 3})
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != 7 || p.Pages != 3 || len(p.Users) != 1 || p.Users[0].Email != "user6@example.org" {
		t.Errorf("page 3 of 3: %+v", p)
	}
	p, err = s.ListUsers(ctx, accounts.UserFilter{Query: "DIOP"})
	if err != nil || p.Total != 1 || p.Users[0].Email != "user3@example.org" || p.Users[0].Memberships != 1 {
		t.Errorf("search by name: %+v %v", p, err)
	}
	if p, _ := s.ListUsers(ctx, accounts.UserFilter{Query: "%"}); p.Total != 0 {
		t.Errorf("a LIKE wildcard matched %d users", p.Total)
	}
}

func TestMembershipChangesAreAudited(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool := newStore(t)
	org := newOrg(t, pool, "acme")
	id, err := s.CreateUser(ctx, cli, accounts.NewUser{Email: "ed@example.org", Name: "Ed", OrganisationID: org, OrgRole: accounts.OrgEditor})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ChangeMembershipRole(ctx, cli, id, org, accounts.OrgOwner); err != nil {
		t.Fatal(err)
	}
	if role, _ := s.Role(ctx, id, org); role != accounts.OrgOwner {
		t.Errorf("role %q, want owner", role)
	}
	if err := s.ChangeMembershipRole(ctx, cli, id, org, "boss"); !errors.Is(err, fault.ErrInvalid) {
		t.Errorf("unknown role: %v", err)
	}
	if err := s.RemoveMembership(ctx, cli, id, org); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Role(ctx, id, org); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("still a member: %v", err)
	}
	if err := s.RemoveMembership(ctx, cli, id, org); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("removing twice: %v", err)
	}
	if err := s.ChangeMembershipRole(ctx, cli, id, org, accounts.OrgEditor); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("changing the role of a non-member: %v", err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND organisation_id = $2
		AND action IN ('membership.role_change', 'membership.revoke')`, id, org).Scan(&n); err != nil || n != 2 {
		t.Errorf("audited membership changes: %d (%v), want 2", n, err)
	}
}

func TestAdminCannotDemoteOrDisableThemselves(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool := newStore(t)
	id, err := s.CreateUser(ctx, cli, accounts.NewUser{Email: "admin@example.org", Name: "Admin", Role: accounts.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.CreateUser(ctx, cli, accounts.NewUser{Email: "staff@example.org", Name: "Staff"})
	if err != nil {
		t.Fatal(err)
	}
	self := audit.Actor{UserID: id, Label: "admin@example.org"}
	for _, role := range []string{"", accounts.RoleStaff} {
		if err := s.SetRole(ctx, self, id, role); !errors.Is(err, accounts.ErrSelf) {
			t.Errorf("self-demotion to %q: %v", role, err)
		}
	}
	if err := s.SetDisabled(ctx, self, id, true); !errors.Is(err, accounts.ErrSelf) {
		t.Errorf("self-disable: %v", err)
	}
	if u, _ := s.User(ctx, id); u.Role != accounts.RoleAdmin || u.Disabled {
		t.Errorf("the admin changed: %+v", u)
	}
	if err := s.SetRole(ctx, self, other, accounts.RoleStaff); err != nil {
		t.Fatal(err)
	}
	var from, to string
	if err := pool.QueryRow(ctx, `SELECT details->>'from', details->>'role' FROM audit_log WHERE action = 'user.role_change'
		AND entity_id = $1 AND actor_user_id = $2`, other, id).Scan(&from, &to); err != nil || from != "" || to != accounts.RoleStaff {
		t.Errorf("role change audit: %q → %q (%v)", from, to, err)
	}
	if err := s.SetRole(ctx, self, 999999, accounts.RoleStaff); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("unknown user: %v", err)
	}
}
