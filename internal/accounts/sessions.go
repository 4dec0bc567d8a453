package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

// Session value keys with a meaning to the store.
const (
	// SessionUserID holds the signed-in user's id (int64).
	SessionUserID = "user_id"
	// SessionPendingTOTP holds the secret offered at enrolment, not yet
	// confirmed, sealed (Store.SealPending); SealTOTPSecrets removes any
	// left in clear.
	SessionPendingTOTP = "totp_secret"
)

// SessionOptions configure a SessionStore.
type SessionOptions struct {
	// KeyPairs are alternating authentication and encryption keys, newest
	// pair first: new cookies use the first pair, older pairs still decode,
	// so keys rotate without signing anyone out.
	KeyPairs [][]byte
	// Secure marks the cookie Secure (the site is served over https).
	Secure bool
	// IdleTimeout ends a session unused for that long (default 2h).
	IdleTimeout time.Duration
	// Lifetime ends a session that long after it began, whatever its
	// activity (default 12h).
	Lifetime time.Duration
}

// SessionStore is a gorilla/sessions store that keeps session state in
// PostgreSQL; the cookie only carries a random id, signed and encrypted.
// Sessions can therefore really end: at logout, on "sign out everywhere",
// when an admin revokes them, when the user is disabled or changes their
// password.
type SessionStore struct {
	pool     *pgxpool.Pool
	codecs   []securecookie.Codec
	options  sessions.Options
	idle     time.Duration
	lifetime time.Duration
}

var _ sessions.Store = (*SessionStore)(nil)

// NewSessionStore returns the session store over the accounts database.
func (s *Store) NewSessionStore(o SessionOptions) (*SessionStore, error) {
	if len(o.KeyPairs) == 0 {
		return nil, errors.New("accounts: session store needs at least one key")
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = 2 * time.Hour
	}
	if o.Lifetime == 0 {
		o.Lifetime = 12 * time.Hour
	}
	codecs := securecookie.CodecsFromPairs(o.KeyPairs...)
	for _, c := range codecs {
		if sc, ok := c.(*securecookie.SecureCookie); ok {
			sc.MaxAge(int(o.Lifetime.Seconds()))
		}
	}
	return &SessionStore{
		pool:   s.pool,
		codecs: codecs,
		options: sessions.Options{Path: "/", MaxAge: int(o.Lifetime.Seconds()), Secure: o.Secure, HttpOnly: true,
			SameSite: http.SameSiteLaxMode},
		idle:     o.IdleTimeout,
		lifetime: o.Lifetime,
	}, nil
}

// decodeID returns the session id a cookie named name carries, if the
// cookie was made by this store (with any of its keys) and has not expired.
func (st *SessionStore) decodeID(name, value string) (string, bool) {
	var id string
	if err := securecookie.DecodeMulti(name, value, &id, st.codecs...); err != nil || id == "" {
		return "", false
	}
	return id, true
}

func hashID(id string) []byte {
	h := sha256.Sum256([]byte(id))
	return h[:]
}

// Get returns the session named name for r: the stored one when the
// cookie is valid and the session still alive, otherwise a new one.
func (st *SessionStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return st.New(r, name)
}

// New is Get: this store keeps no per-request registry.
func (st *SessionStore) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := sessions.NewSession(st, name)
	opts := st.options
	sess.Options = &opts
	sess.IsNew = true
	c, err := r.Cookie(name)
	if err != nil {
		return sess, nil
	}
	id, ok := st.decodeID(name, c.Value)
	if !ok {
		// A forged, expired or old-key cookie is no session; not an error.
		return sess, nil
	}
	var userID *int64
	var data map[string]string
	var lastSeen time.Time
	err = st.pool.QueryRow(r.Context(), `
		SELECT s.user_id, s.data, s.last_seen_at FROM sessions s LEFT JOIN users u ON u.id = s.user_id
		WHERE s.id_hash = $1 AND s.expires_at > now() AND s.last_seen_at > now() - make_interval(secs => $2)
			AND (s.user_id IS NULL OR NOT u.disabled)`, hashID(id), st.idle.Seconds()).Scan(&userID, &data, &lastSeen)
	if errors.Is(err, pgx.ErrNoRows) {
		return sess, nil
	}
	if err != nil {
		return sess, fmt.Errorf("accounts: load session: %w", err)
	}
	sess.ID, sess.IsNew = id, false
	for k, v := range data {
		sess.Values[k] = v
	}
	if userID != nil {
		sess.Values[SessionUserID] = *userID
	}
	// Activity is recorded at most once a minute, not on every request.
	if time.Since(lastSeen) > time.Minute {
		if _, err := st.pool.Exec(r.Context(), `UPDATE sessions SET last_seen_at = now() WHERE id_hash = $1`, hashID(id)); err != nil {
			return sess, fmt.Errorf("accounts: touch session: %w", err)
		}
	}
	return sess, nil
}

// Save stores sess and sets its cookie. A negative MaxAge deletes the
// session and its cookie.
func (st *SessionStore) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	ctx := r.Context()
	if sess.Options.MaxAge < 0 {
		if sess.ID != "" {
			if _, err := st.pool.Exec(ctx, `DELETE FROM sessions WHERE id_hash = $1`, hashID(sess.ID)); err != nil {
				return fmt.Errorf("accounts: delete session: %w", err)
			}
		}
		http.SetCookie(w, sessions.NewCookie(sess.Name(), "", sess.Options))
		return nil
	}
	var userID *int64
	data := map[string]string{}
	for k, v := range sess.Values {
		key, ok := k.(string)
		if !ok {
			return fmt.Errorf("accounts: session key %v is not a string", k)
		}
		switch v := v.(type) {
		case int64:
			if key == SessionUserID {
				userID = &v
				continue
			}
			data[key] = fmt.Sprint(v)
		case string:
			data[key] = v
		default:
			return fmt.Errorf("accounts: session value %s has type %T, want string", key, v)
		}
	}
	if sess.ID == "" {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		sess.ID = base64.RawURLEncoding.EncodeToString(b)
		_, err := st.pool.Exec(ctx, `
			INSERT INTO sessions (id_hash, user_id, data, expires_at, user_agent)
			VALUES ($1, $2, $3, now() + make_interval(secs => $4), left($5, 300))`,
			hashID(sess.ID), userID, data, st.lifetime.Seconds(), r.UserAgent())
		if err != nil {
			return fmt.Errorf("accounts: create session: %w", err)
		}
		// Expired sessions are swept as new ones begin.
		if _, err := st.pool.Exec(ctx, `DELETE FROM sessions WHERE expires_at < now()`); err != nil {
			return fmt.Errorf("accounts: sweep sessions: %w", err)
		}
	} else {
		tag, err := st.pool.Exec(ctx, `UPDATE sessions SET user_id = $2, data = $3, last_seen_at = now() WHERE id_hash = $1`,
			hashID(sess.ID), userID, data)
		if err != nil {
			return fmt.Errorf("accounts: save session: %w", err)
		}
		if tag.RowsAffected() == 0 {
			// Ended meanwhile (sign out everywhere): do not resurrect it.
			// Secure as set, or a browser ignores the deletion of a
			// __Host- cookie.
			http.SetCookie(w, sessions.NewCookie(sess.Name(), "", &sessions.Options{Path: "/", MaxAge: -1,
				Secure: st.options.Secure, HttpOnly: true}))
			return nil
		}
	}
	encoded, err := securecookie.EncodeMulti(sess.Name(), sess.ID, st.codecs...)
	if err != nil {
		return fmt.Errorf("accounts: encode session cookie: %w", err)
	}
	http.SetCookie(w, sessions.NewCookie(sess.Name(), encoded, sess.Options))
	return nil
}

// Renew discards sess's stored state and id, keeping its values, so the
// next Save starts a session under a fresh id. Call it when privileges
// change (login) so a planted session id is worthless.
func (st *SessionStore) Renew(ctx context.Context, sess *sessions.Session) error {
	if sess.ID != "" {
		if _, err := st.pool.Exec(ctx, `DELETE FROM sessions WHERE id_hash = $1`, hashID(sess.ID)); err != nil {
			return fmt.Errorf("accounts: renew session: %w", err)
		}
	}
	sess.ID, sess.IsNew = "", true
	return nil
}

// SessionInfo describes one active session, for the user's sessions page.
type SessionInfo struct {
	// Key identifies the session without revealing its id.
	Key        string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	UserAgent  string
	Current    bool
}

// SessionKey returns the Key of the session with id, as SessionInfo shows it.
func SessionKey(id string) string { return hex.EncodeToString(hashID(id))[:16] }

// UserSessions lists user's active sessions, most recent first; current is
// the id of the session asking.
func (st *SessionStore) UserSessions(ctx context.Context, userID int64, current string) ([]SessionInfo, error) {
	rows, _ := st.pool.Query(ctx, `
		SELECT left(encode(id_hash, 'hex'), 16), created_at, last_seen_at, expires_at, user_agent
		FROM sessions WHERE user_id = $1 AND expires_at > now() AND last_seen_at > now() - make_interval(secs => $2)
		ORDER BY last_seen_at DESC`, userID, st.idle.Seconds())
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (SessionInfo, error) {
		var i SessionInfo
		err := r.Scan(&i.Key, &i.CreatedAt, &i.LastSeenAt, &i.ExpiresAt, &i.UserAgent)
		i.Current = current != "" && i.Key == SessionKey(current)
		return i, err
	})
	if err != nil {
		return nil, fmt.Errorf("accounts: sessions of user %d: %w", userID, err)
	}
	return out, nil
}

// EndSessions ends every session of user ("sign out everywhere") and
// returns how many ended.
func (st *SessionStore) EndSessions(ctx context.Context, actor audit.Actor, userID int64) (int, error) {
	return endSessions(ctx, st.pool, actor, userID)
}

// EndSessions ends every session of user (an admin's revocation) and
// returns how many ended.
func (s *Store) EndSessions(ctx context.Context, actor audit.Actor, userID int64) (int, error) {
	return endSessions(ctx, s.pool, actor, userID)
}

func endSessions(ctx context.Context, pool *pgxpool.Pool, actor audit.Actor, userID int64) (int, error) {
	var n int64
	err := postgres.InTx(ctx, pool, func(tx pgx.Tx) error {
		var err error
		n, err = endSessionsTx(ctx, tx, actor, userID, "")
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("accounts: end sessions of user %d: %w", userID, err)
	}
	return int(n), nil
}

// endSessionsTx ends every session of user but the one whose id is keep
// ("" keeps none), with its audit entry, in tx.
func endSessionsTx(ctx context.Context, tx pgx.Tx, actor audit.Actor, userID int64, keep string) (int64, error) {
	var keepHash []byte
	if keep != "" {
		keepHash = hashID(keep)
	}
	tag, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND id_hash IS DISTINCT FROM $2`, userID, keepHash)
	if err != nil {
		return 0, err
	}
	n := tag.RowsAffected()
	details := map[string]any{"sessions": n}
	if keep != "" {
		details["kept_current"] = true
	}
	return n, audit.Record(ctx, tx, actor, audit.Entry{Action: "user.sessions_revoke", EntityType: "user", EntityID: userID,
		Details: details})
}

// EndSession ends one of user's sessions by its Key. It returns
// fault.ErrNotFound when user has no such session.
func (st *SessionStore) EndSession(ctx context.Context, actor audit.Actor, userID int64, key string) error {
	return postgres.InTx(ctx, st.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 AND left(encode(id_hash, 'hex'), 16) = $2`, userID, key)
		if err != nil {
			return fmt.Errorf("accounts: end session: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("accounts: end session %s: %w", key, fault.ErrNotFound)
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: "user.session_revoke", EntityType: "user", EntityID: userID})
	})
}
