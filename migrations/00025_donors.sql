-- Issue 14: donors hear back, verification expiry.
--
-- The mails to a donor about their offer's status are sent at most once
-- per offer and status. The outbox stores a message with an idempotency
-- key at most once (INSERT … ON CONFLICT DO NOTHING), so two transitions
-- racing, a retried request or a repeated call compose one mail. NULL
-- (most mails) never conflicts.
--
-- A verification counts for VERIFICATION_VALIDITY months, decided at read
-- time against organisations.last_verified_on. The search fallback's
-- documents carry that day (Unix seconds, 0 for none) to filter on
-- verified=1 as Meilisearch does (its documents get the field at the next
-- reindex or `search verify --repair`).

-- +goose Up
ALTER TABLE mail_messages ADD COLUMN idempotency_key text;
ALTER TABLE mail_messages ADD CONSTRAINT mail_messages_idempotency_key_key UNIQUE (idempotency_key);
COMMENT ON COLUMN mail_messages.idempotency_key IS 'At most one message per key, e.g. offer-status:<offer id>:<status> (internal/offers).';

ALTER TABLE search_documents ADD COLUMN verified_on bigint NOT NULL DEFAULT 0;
UPDATE search_documents d SET verified_on = extract(epoch FROM o.last_verified_on)::bigint
FROM organisations o WHERE o.id = d.organisation_id AND o.last_verified_on IS NOT NULL;
CREATE INDEX search_documents_verified_idx ON search_documents (verified_on) WHERE verified_on > 0;
-- The directory's verified=1 list.
CREATE INDEX organisations_verified_idx ON organisations (last_verified_on) WHERE status = 'published' AND last_verified_on IS NOT NULL;

-- Duplicates: /join warns when the website's host is already listed
-- (directory.Lookalikes; names use organisations_name_trgm_idx, pg_trgm).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX organisations_website_host_idx ON organisations
    ((regexp_replace(lower(substring(website from '^[A-Za-z][A-Za-z0-9+.-]*://([^/:?#]+)')), '^www\.', '')));

-- +goose Down
DROP INDEX organisations_website_host_idx;
DROP INDEX organisations_verified_idx;
ALTER TABLE search_documents DROP COLUMN verified_on;
ALTER TABLE mail_messages DROP COLUMN idempotency_key;
