package importing

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/fault"
)

// StagedTTL is how long an uploaded file waits for its confirmation.
const StagedTTL = time.Hour

// ErrStagedUsed means the file was imported already: a confirmation
// counts once.
var ErrStagedUsed = fault.New(fault.Conflict, "import.err.already_imported")

// ErrStagedGone means no file waits under that token for this user (never
// staged, another admin's, or expired).
var ErrStagedGone = fault.New(fault.NotFound, "import.err.upload_gone")

// Stage keeps content, uploaded by userID and dry-run (with publish),
// until it is confirmed (Take) or StagedTTL has passed, and returns the
// token that confirms it. The table keeps the token's SHA-256, not the token; files
// past their expiry are deleted here.
func (e *Engine) Stage(ctx context.Context, userID int64, name string, content []byte, publish bool) (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := hex.EncodeToString(b)
	if len(name) > 255 {
		name = name[:255]
	}
	sum := sha256.Sum256(content)
	if _, err := e.pool.Exec(ctx, `DELETE FROM import_uploads WHERE expires_at < now()`); err != nil {
		return "", fmt.Errorf("importing: purge uploads: %w", err)
	}
	_, err := e.pool.Exec(ctx, `
		INSERT INTO import_uploads (token_hash, user_id, file_name, content, content_sha256, publish, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))`,
		tokenHash(token), userID, name, content, sum[:], publish, StagedTTL.Seconds())
	if err != nil {
		return "", fmt.Errorf("importing: stage upload: %w", err)
	}
	return token, nil
}

// Staged is a file waiting for its confirmation.
type Staged struct {
	Name    string
	Content []byte
	// Publish is the dry run's choice.
	Publish bool
}

// Take hands over, once, the file userID staged under token: the
// statement that returns it marks it used, so of two confirmations only
// one gets it. It returns ErrStagedUsed for a file already taken and
// ErrStagedGone for an unknown, expired or another user's token. The
// content is checked against the hash taken when it was staged.
func (e *Engine) Take(ctx context.Context, userID int64, token string) (*Staged, error) {
	var st Staged
	var sum []byte
	err := e.pool.QueryRow(ctx, `
		UPDATE import_uploads SET used_at = now()
		WHERE token_hash = $1 AND user_id = $2 AND used_at IS NULL AND expires_at > now()
		RETURNING file_name, content, content_sha256, publish`, tokenHash(token), userID).Scan(&st.Name, &st.Content, &sum, &st.Publish)
	if errors.Is(err, pgx.ErrNoRows) {
		var used bool
		err := e.pool.QueryRow(ctx, `SELECT used_at IS NOT NULL FROM import_uploads WHERE token_hash = $1 AND user_id = $2`,
			tokenHash(token), userID).Scan(&used)
		if err == nil && used {
			return nil, ErrStagedUsed
		}
		return nil, ErrStagedGone
	}
	if err != nil {
		return nil, fmt.Errorf("importing: take upload: %w", err)
	}
	if got := sha256.Sum256(st.Content); hex.EncodeToString(got[:]) != hex.EncodeToString(sum) {
		return nil, fmt.Errorf("importing: upload altered since its dry run")
	}
	// Imported now: the bytes need not wait for the expiry.
	if _, err := e.pool.Exec(ctx, `UPDATE import_uploads SET content = '' WHERE token_hash = $1`, tokenHash(token)); err != nil {
		return nil, fmt.Errorf("importing: empty upload: %w", err)
	}
	return &st, nil
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
