package web_test

import (
	"context"
	"testing"
)

// pendingInvite stores an invitation of an existing account to orgID,
// waiting to be accepted, and returns its id.
func (f *accountsFixture) pendingInvite(t *testing.T, orgID int64, email string) int64 {
	t.Helper()
	uid := f.user(t, email, "", "", "")
	var id int64
	if err := f.pool.QueryRow(context.Background(), `INSERT INTO account_tokens (token_hash, purpose, user_id, organisation_id, org_role, expires_at)
		VALUES (sha256(random()::text::bytea), 'accept', $1, $2, 'editor', now() + interval '7 days') RETURNING id`, uid, orgID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// suggestion stores an open suggestion about orgID's offices and returns
// its id.
func (f *accountsFixture) suggestion(t *testing.T, orgID int64, body string) int64 {
	t.Helper()
	var id int64
	if err := f.pool.QueryRow(context.Background(), `INSERT INTO suggestions (organisation_id, section, body, email, lang)
		VALUES ($1, 'offices', $2, 'suggester@example.org', 'en') RETURNING id`, orgID, body).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
