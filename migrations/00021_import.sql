-- Bulk import (issue 13): matching an incoming organisation by its
-- website's domain, and the files admins upload at /admin/import, kept
-- between the dry run they see and the import they confirm.

-- +goose Up
-- The website's host in lower case without "www." — what
-- directory.WebsiteDomain computes in Go — so an import of thousands of
-- rows looks each one up by index instead of scanning every organisation.
CREATE INDEX organisations_website_domain_idx ON organisations
    ((substring(lower(website) from '^https?://(?:[^@/?#]*@)?(?:www\.)?([^/:?#]+)')))
    WHERE website <> '';

-- An uploaded file waits here between its dry run and its confirmation:
-- confirming imports exactly these bytes (never a second upload, never a
-- hidden field), once (used_at is set by the statement that takes it).
-- The key is the SHA-256 of the random token in the confirmation's URL,
-- so the table alone does not let anyone confirm.
CREATE TABLE import_uploads (
    token_hash     bytea PRIMARY KEY,
    user_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    file_name      text NOT NULL DEFAULT '' CHECK (length(file_name) <= 255),
    content        bytea NOT NULL,
    content_sha256 bytea NOT NULL,
    -- The dry run's --publish: the confirmation imports with the same.
    publish        boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz
);
CREATE INDEX import_uploads_expires_idx ON import_uploads (expires_at);

-- +goose Down
DROP TABLE import_uploads;
DROP INDEX organisations_website_domain_idx;
