package accounts_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
)

var cli = audit.System("test")

func newStore(t *testing.T, opts ...accounts.Option) (*accounts.Store, *pgxpool.Pool) {
	t.Helper()
	pool := pgtest.NewPool(t)
	return accounts.NewStore(pool, append([]accounts.Option{accounts.WithFastHashing()}, opts...)...), pool
}

func newOrg(t *testing.T, pool *pgxpool.Pool, slug string) int64 {
	t.Helper()
	var id int64
	if err := pool.QueryRow(context.Background(),
		`INSERT INTO organisations (slug, name, iati_type) VALUES ($1, $1, 22) RETURNING id`, slug).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestCreateUserAndAuthenticate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool := newStore(t)
	org := newOrg(t, pool, "acme")
	id, err := s.CreateUser(ctx, cli, accounts.NewUser{Email: "Owner@Example.org", Name: "Owner",
		Password: "correct horse battery", OrganisationID: org, OrgRole: accounts.OrgOwner})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(ctx, cli, accounts.NewUser{Email: "owner@EXAMPLE.org", Name: "Twin"}); !errors.Is(err, fault.ErrConflict) {
		t.Errorf("same email in another case: got %v, want ErrConflict", err)
	}
	if _, err := s.CreateUser(ctx, cli, accounts.NewUser{Email: "nope", Name: "", Password: "short"}); !errors.Is(err, fault.ErrInvalid) ||
		fault.FieldsOf(err)["email"] == "" || fault.FieldsOf(err)["name"] == "" || fault.FieldsOf(err)["password"] == "" {
		t.Errorf("bad input: got %v", err)
	}
	u, err := s.Authenticate(ctx, "owner@example.ORG", "correct horse battery", "192.0.2.1", "")
	if err != nil || u.ID != id {
		t.Fatalf("login: %v %+v", err, u)
	}
	if _, err := s.Authenticate(ctx, "owner@example.org", "wrong password!!", "192.0.2.1", ""); !errors.Is(err, accounts.ErrBadCredentials) {
		t.Errorf("wrong password: %v", err)
	}
	if _, err := s.Authenticate(ctx, "ghost@example.org", "correct horse battery", "192.0.2.1", ""); !errors.Is(err, accounts.ErrBadCredentials) {
		t.Errorf("unknown email: %v", err)
	}
	if role, err := s.Role(ctx, id, org); err != nil || role != accounts.OrgOwner {
		t.Errorf("role: %q %v", role, err)
	}
	ms, err := s.Memberships(ctx, id)
	if err != nil || len(ms) != 1 || ms[0].OrganisationSlug != "acme" {
		t.Errorf("memberships: %+v %v", ms, err)
	}
	var hash string
	_ = pool.QueryRow(ctx, `SELECT password_hash FROM users WHERE id = $1`, id).Scan(&hash)
	if len(hash) < 20 || hash[:10] != "$argon2id$" {
		t.Errorf("stored hash %q is not argon2id", hash)
	}
	var actions []string
	rows, _ := pool.Query(ctx, `SELECT action FROM audit_log WHERE entity_type = 'user' ORDER BY id`)
	for rows.Next() {
		var a string
		_ = rows.Scan(&a)
		actions = append(actions, a)
	}
	want := []string{"user.create", "membership.grant", "user.login", "user.login_failure", "user.login_failure"}
	if len(actions) != len(want) {
		t.Fatalf("audit actions %v, want %v", actions, want)
	}
	for i := range want {
		if actions[i] != want[i] {
			t.Errorf("audit actions %v, want %v", actions, want)
		}
	}
	if err := s.SetDisabled(ctx, cli, id, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "owner@example.org", "correct horse battery", "192.0.2.1", ""); !errors.Is(err, accounts.ErrBadCredentials) {
		t.Errorf("disabled user logged in: %v", err)
	}
}

func TestLoginRateLimitPerAccountAndPerIP(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newStore(t, accounts.WithLoginLimits(6, 3, time.Hour))
	for _, e := range []string{"a@example.org", "b@example.org"} {
		if _, err := s.CreateUser(ctx, cli, accounts.NewUser{Email: e, Name: "A", Password: "correct horse battery"}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 3; i++ {
		if _, err := s.Authenticate(ctx, "a@example.org", "wrong password!!", "192.0.2.1", ""); !errors.Is(err, accounts.ErrBadCredentials) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	// The account is locked for everyone, even with the right password.
	if _, err := s.Authenticate(ctx, "a@example.org", "correct horse battery", "198.51.100.7", ""); !errors.Is(err, accounts.ErrRateLimited) {
		t.Errorf("4th attempt on the account: %v, want ErrRateLimited", err)
	}
	// Another account from the same address still works…
	if _, err := s.Authenticate(ctx, "b@example.org", "correct horse battery", "192.0.2.1", ""); err != nil {
		t.Errorf("other account: %v", err)
	}
	// …until the address itself has failed too often.
	for i := 0; i < 3; i++ {
		_, _ = s.Authenticate(ctx, "nobody@example.org", "wrong password!!", "192.0.2.1", "")
	}
	if _, err := s.Authenticate(ctx, "b@example.org", "correct horse battery", "192.0.2.1", ""); !errors.Is(err, accounts.ErrRateLimited) {
		t.Errorf("address over its limit: %v, want ErrRateLimited", err)
	}
	if _, err := s.Authenticate(ctx, "b@example.org", "correct horse battery", "192.0.2.2", ""); err != nil {
		t.Errorf("another address: %v", err)
	}
}

func keyPair() [][]byte {
	return [][]byte{securecookie.GenerateRandomKey(32), securecookie.GenerateRandomKey(32)}
}

// roundTrip saves a session for userID and returns its cookie.
func login(t *testing.T, st *accounts.SessionStore, userID int64) (*http.Cookie, string) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/login", nil)
	sess, _ := st.Get(r, "s")
	sess.Values[accounts.SessionUserID] = userID
	sess.Values["csrf"] = "token"
	w := httptest.NewRecorder()
	if err := st.Save(r, w, sess); err != nil {
		t.Fatal(err)
	}
	cs := w.Result().Cookies()
	if len(cs) != 1 || !cs[0].HttpOnly || cs[0].SameSite != http.SameSiteLaxMode {
		t.Fatalf("cookie %+v", cs)
	}
	return cs[0], sess.ID
}

func load(t *testing.T, st *accounts.SessionStore, c *http.Cookie) int64 {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(c)
	sess, err := st.Get(r, "s")
	if err != nil {
		t.Fatal(err)
	}
	id, _ := sess.Values[accounts.SessionUserID].(int64)
	return id
}

func TestSessionsEndForReal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool := newStore(t)
	uid, err := s.CreateUser(ctx, cli, accounts.NewUser{Email: "u@example.org", Name: "U", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	oldKeys, newKeys := keyPair(), keyPair()
	st, err := s.NewSessionStore(accounts.SessionOptions{KeyPairs: oldKeys, IdleTimeout: time.Hour, Lifetime: 3 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	c, id := login(t, st, uid)
	if got := load(t, st, c); got != uid {
		t.Fatalf("loaded user %d, want %d", got, uid)
	}
	var n int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM sessions WHERE id_hash = sha256($1::bytea)`, []byte(id)).Scan(&n)
	if n != 1 {
		t.Errorf("the stored id is not the SHA-256 of the cookie's id")
	}

	t.Run("keys rotate without signing anyone out", func(t *testing.T) {
		rotated, _ := s.NewSessionStore(accounts.SessionOptions{KeyPairs: append(newKeys, oldKeys...)})
		if got := load(t, rotated, c); got != uid {
			t.Errorf("old cookie under rotated keys: user %d", got)
		}
		dropped, _ := s.NewSessionStore(accounts.SessionOptions{KeyPairs: newKeys})
		if got := load(t, dropped, c); got != 0 {
			t.Errorf("cookie signed with a retired key still accepted")
		}
	})
	t.Run("forged cookie", func(t *testing.T) {
		if got := load(t, st, &http.Cookie{Name: "s", Value: c.Value[:len(c.Value)-4] + "AAAA"}); got != 0 {
			t.Errorf("tampered cookie accepted")
		}
	})
	t.Run("idle timeout and absolute lifetime", func(t *testing.T) {
		c2, id2 := login(t, st, uid)
		_, _ = pool.Exec(ctx, `UPDATE sessions SET last_seen_at = now() - interval '61 minutes' WHERE id_hash = sha256($1::bytea)`, []byte(id2))
		if load(t, st, c2) != 0 {
			t.Errorf("idle session still valid")
		}
		c3, id3 := login(t, st, uid)
		_, _ = pool.Exec(ctx, `UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id_hash = sha256($1::bytea)`, []byte(id3))
		if load(t, st, c3) != 0 {
			t.Errorf("session past its lifetime still valid")
		}
	})
	t.Run("disabled user", func(t *testing.T) {
		c4, _ := login(t, st, uid)
		_, _ = pool.Exec(ctx, `UPDATE users SET disabled = true WHERE id = $1`, uid)
		if load(t, st, c4) != 0 {
			t.Errorf("a disabled user's session still works")
		}
		_, _ = pool.Exec(ctx, `UPDATE users SET disabled = false WHERE id = $1`, uid)
	})
	t.Run("password change ends every session", func(t *testing.T) {
		c5, _ := login(t, st, uid)
		c6, _ := login(t, st, uid)
		if err := s.SetPassword(ctx, cli, uid, "another long passphrase"); err != nil {
			t.Fatal(err)
		}
		if load(t, st, c5) != 0 || load(t, st, c6) != 0 {
			t.Errorf("sessions survived a password change")
		}
	})
	t.Run("sign out everywhere", func(t *testing.T) {
		c7, id7 := login(t, st, uid)
		c8, _ := login(t, st, uid)
		list, err := st.UserSessions(ctx, uid, id7)
		if err != nil || len(list) != 2 || !(list[0].Current || list[1].Current) {
			t.Fatalf("sessions list %+v %v", list, err)
		}
		if n, err := st.EndSessions(ctx, cli, uid); err != nil || n != 2 {
			t.Fatalf("ended %d sessions: %v", n, err)
		}
		if load(t, st, c7) != 0 || load(t, st, c8) != 0 {
			t.Errorf("sessions survived sign out everywhere")
		}
	})
	t.Run("renew gives a new id", func(t *testing.T) {
		c9, id9 := login(t, st, uid)
		r := httptest.NewRequest(http.MethodPost, "/login", nil)
		r.AddCookie(c9)
		sess, _ := st.Get(r, "s")
		if err := st.Renew(ctx, sess); err != nil {
			t.Fatal(err)
		}
		if err := st.Save(r, httptest.NewRecorder(), sess); err != nil {
			t.Fatal(err)
		}
		if sess.ID == id9 || load(t, st, c9) != 0 {
			t.Errorf("old session id still valid after renew")
		}
	})
}
