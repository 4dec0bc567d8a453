-- An offer keeps the SHA-256 of the form token it was sent with (never the
-- token itself), so a form is accepted once: a resubmission of the same
-- form (a double click, a retry after a dropped connection or a crash)
-- finds the first offer and gets its receipt, storing and sending nothing
-- (offers.Submit inserts with ON CONFLICT (form_token_hash) DO NOTHING).
-- Offers stored before this migration have no hash (NULL, which never
-- conflicts).

-- +goose Up
ALTER TABLE offers ADD COLUMN form_token_hash bytea UNIQUE;

-- +goose Down
ALTER TABLE offers DROP COLUMN form_token_hash;
