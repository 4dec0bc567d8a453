package accounts_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/fault"
)

// eraseEnv is a store with helpers to look at what an erasure leaves.
type eraseEnv struct {
	t    *testing.T
	s    *accounts.Store
	pool *pgxpool.Pool
}

func (e eraseEnv) exec(sql string, args ...any) {
	e.t.Helper()
	if _, err := e.pool.Exec(context.Background(), sql, args...); err != nil {
		e.t.Fatal(err)
	}
}

func (e eraseEnv) count(sql string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// person creates a user with a password and what a person leaves behind:
// a session, a reset token, a recovery code, a mail, audit entries by them
// (a login with their client pseudonym) and naming their address.
func (e eraseEnv) person(email, role string, org int64, orgRole string) int64 {
	e.t.Helper()
	ctx := context.Background()
	id, err := e.s.CreateUser(ctx, cli, accounts.NewUser{Email: email, Name: "Person " + email, Password: "correct horse battery",
		Role: role, OrganisationID: org, OrgRole: orgRole})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.s.Authenticate(ctx, email, "correct horse battery", "192.0.2.9", ""); err != nil {
		e.t.Fatal(err)
	}
	e.exec(`INSERT INTO sessions (id_hash, user_id, expires_at) VALUES (sha256($1::bytea), $2, now() + interval '1 hour')`, email, id)
	e.exec(`INSERT INTO account_tokens (token_hash, purpose, user_id, expires_at) VALUES (sha256(('t' || $1)::bytea), 'reset', $2, now() + interval '1 hour')`, email, id)
	e.exec(`INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, sha256($2::bytea))`, id, email)
	e.exec(`INSERT INTO mail_messages (message_id, purpose, lang, to_name, to_email, subject, text_body, html_body)
		VALUES (md5($1) || '@partnerdir.test', 'account_reset', 'fr', 'Person', $1, 'Reset', 'Follow the link', '<p>link</p>')`, email)
	e.exec(`INSERT INTO audit_log (actor, action, entity_type, details) VALUES ('someone@example.org', 'user.login_failure', 'user',
		jsonb_build_object('email', upper($1::text), 'note', 'typed ' || $1))`, email)
	return id
}

// left counts the rows that still hold anything of the user or their
// address.
func (e eraseEnv) left(id int64, email string) map[string]int {
	e.t.Helper()
	out := map[string]int{}
	for name, q := range map[string]string{
		"users":          `SELECT count(*) FROM users WHERE id = $1 OR lower(email) = lower($2)`,
		"memberships":    `SELECT count(*) FROM memberships WHERE user_id = $1 AND $2 <> ''`,
		"sessions":       `SELECT count(*) FROM sessions WHERE user_id = $1 AND $2 <> ''`,
		"tokens":         `SELECT count(*) FROM account_tokens WHERE user_id = $1 AND $2 <> ''`,
		"recovery codes": `SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND $2 <> ''`,
		"audit entries":  `SELECT count(*) FROM audit_log WHERE actor_user_id = $1 OR strpos(lower(actor || details::text), lower($2)) > 0 OR (action <> 'user.erase' AND action <> 'user.delete' AND details ? 'ip_hash' AND entity_id = $1)`,
		"mails":          `SELECT count(*) FROM mail_messages WHERE strpos(lower(concat_ws(' ', to_email, to_name, text_body)), lower($2)) > 0 AND $1 > 0`,
	} {
		out[name] = e.count(q, id, email)
	}
	return out
}

func TestDeleteOwnAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool := newStore(t)
	e := eraseEnv{t: t, s: s, pool: pool}
	acme := newOrg(t, pool, "acme")
	ann := e.person("Ann@Example.org", "", acme, accounts.OrgOwner)
	bob := e.person("bob@example.org", "", acme, accounts.OrgEditor)
	// A wrong password is a failed login, audited and counted by the
	// login limits; nothing else may change.
	state := func() string {
		left := e.left(ann, "ann@example.org")
		delete(left, "audit entries")
		return fmt.Sprint(left, e.count(`SELECT count(*) FROM audit_log WHERE action <> 'user.login_failure'`))
	}
	confirm := accounts.Confirmation{Password: "correct horse battery", ClientIP: "192.0.2.9", RequestID: "req-del"}

	// A wrong password, then the last owner: refused, nothing changes.
	wrong := confirm
	wrong.Password = "not my password"
	if err := s.DeleteOwnAccount(ctx, ann, wrong); !errors.Is(err, accounts.ErrLastOwner) {
		t.Errorf("last owner with a wrong password: %v, want ErrLastOwner first", err)
	}
	if err := s.DeleteOwnAccount(ctx, ann, confirm); !errors.Is(err, accounts.ErrLastOwner) {
		t.Errorf("last owner: %v, want ErrLastOwner", err)
	}
	sole, err := s.SoleOwnerships(ctx, ann)
	if err != nil || len(sole) != 1 || sole[0].OrganisationSlug != "acme" {
		t.Errorf("sole ownerships %+v %v", sole, err)
	}
	// Handed over: Bob owns acme too.
	if err := s.ChangeMembershipRole(ctx, cli, bob, acme, accounts.OrgOwner); err != nil {
		t.Fatal(err)
	}
	before := state()
	if err := s.DeleteOwnAccount(ctx, ann, wrong); !errors.Is(err, fault.ErrInvalid) || fault.FieldsOf(err)["password"] != "auth.password.current" {
		t.Errorf("wrong password: %v, want an invalid password", err)
	}
	if after := state(); after != before {
		t.Errorf("a refused deletion changed something:\n%s\n%s", before, after)
	}

	if err := s.DeleteOwnAccount(ctx, ann, confirm); err != nil {
		t.Fatal(err)
	}
	for what, n := range e.left(ann, "ann@example.org") {
		if n != 0 {
			t.Errorf("%d %s still hold the deleted user", n, what)
		}
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE action = 'user.delete' AND entity_type = 'user' AND entity_id = $1
		AND actor_user_id IS NULL AND actor = $2 AND details = '{}' AND request_id = 'req-del'`, ann, accounts.ErasedLabel); n != 1 {
		t.Error("the deletion is not audited as user.delete without the person")
	}
	// The entries keep what happened: the login, the account's creation.
	if n := e.count(`SELECT count(DISTINCT action) FROM audit_log WHERE entity_id = $1 AND (action = 'user.create'
		OR action IN ('user.login', 'user.login_failure') AND actor = $2 AND actor_user_id IS NULL)`, ann, accounts.ErasedLabel); n != 3 {
		t.Errorf("%d kinds of the user's entries kept without the person, want the creation, the logins and the failure", n)
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE action = 'user.login_failure' AND details = jsonb_build_object('note', 'typed [address]')`); n != 1 {
		t.Error("an entry naming the address lost more than the address, or kept it")
	}
	if n := e.count(`SELECT count(*) FROM mail_messages WHERE to_email = '' AND text_body = '' AND status = 'failed'`); n != 1 {
		t.Errorf("%d queued mails to the deleted address emptied and stopped, want 1", n)
	}
	// Bob is untouched.
	if left := e.left(bob, "bob@example.org"); left["users"] != 1 || left["memberships"] != 1 || left["sessions"] != 1 {
		t.Errorf("another user was touched: %v", left)
	}

	// Staff and admins do not delete their own account.
	staff := e.person("staff@example.org", accounts.RoleStaff, 0, "")
	if err := s.DeleteOwnAccount(ctx, staff, confirm); !errors.Is(err, accounts.ErrStaffSelfDelete) {
		t.Errorf("staff: %v, want ErrStaffSelfDelete", err)
	}
	if err := s.Erase(ctx, audit.Actor{UserID: staff}, staff, accounts.EraseOptions{Self: true}); !errors.Is(err, accounts.ErrStaffSelfDelete) {
		t.Errorf("staff through Erase: %v, want ErrStaffSelfDelete", err)
	}
	if e.left(staff, "staff@example.org")["users"] != 1 {
		t.Error("a refused staff deletion deleted them")
	}
}

func TestAdminErasesAUser(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool := newStore(t)
	e := eraseEnv{t: t, s: s, pool: pool}
	var hooked []string
	s.OnErase(func(ctx context.Context, tx pgx.Tx, userID int64, email, label string) error {
		hooked = append(hooked, fmt.Sprintf("%d %s %s", userID, email, label))
		if email == "fails@example.org" {
			return errors.New("hook failed")
		}
		return nil
	})
	gamma := newOrg(t, pool, "gamma")
	adminID := e.person("admin@example.org", accounts.RoleAdmin, 0, "")
	admin := audit.Actor{UserID: adminID, Label: "admin@example.org", RequestID: "req-erase"}
	cara := e.person("cara@example.org", "", gamma, accounts.OrgOwner)

	if err := s.Erase(ctx, admin, adminID, accounts.EraseOptions{}); !errors.Is(err, accounts.ErrSelf) {
		t.Errorf("admin erasing themselves: %v, want ErrSelf", err)
	}
	if err := s.Erase(ctx, admin, cara, accounts.EraseOptions{}); !errors.Is(err, accounts.ErrLastOwner) {
		t.Errorf("last owner without the admin's consent: %v, want ErrLastOwner", err)
	}
	if e.left(cara, "cara@example.org")["users"] != 1 || len(hooked) != 0 {
		t.Fatal("a refused erasure changed something")
	}
	if err := s.Erase(ctx, admin, cara, accounts.EraseOptions{LeaveOwnerless: true}); err != nil {
		t.Fatal(err)
	}
	for what, n := range e.left(cara, "cara@example.org") {
		if n != 0 {
			t.Errorf("%d %s still hold the erased user", n, what)
		}
	}
	if n := e.count(`SELECT count(*) FROM audit_log WHERE action = 'user.erase' AND entity_id = $1 AND actor_user_id = $2
		AND actor = 'admin@example.org' AND details = '{"organisations_left_without_owner": 1}'`, cara, adminID); n != 1 {
		t.Error("the erasure is not audited by the admin with the user's id only")
	}
	if n := e.count(`SELECT count(*) FROM memberships WHERE organisation_id = $1`, gamma); n != 0 {
		t.Errorf("gamma still has %d members", n)
	}
	if len(hooked) != 1 || hooked[0] != fmt.Sprintf("%d cara@example.org %s", cara, accounts.ErasedLabel) {
		t.Errorf("hooks called with %q", hooked)
	}
	if err := s.Erase(ctx, admin, cara, accounts.EraseOptions{}); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("erasing again: %v, want ErrNotFound", err)
	}
	// A hook's failure undoes the whole erasure.
	fails := e.person("fails@example.org", "", 0, "")
	if err := s.Erase(ctx, admin, fails, accounts.EraseOptions{}); err == nil {
		t.Error("a failing hook did not fail the erasure")
	}
	if left := e.left(fails, "fails@example.org"); left["users"] != 1 || left["sessions"] != 1 || left["audit entries"] == 0 {
		t.Errorf("a failed erasure changed something: %v", left)
	}
}
