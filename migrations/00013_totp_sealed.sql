-- Secrets at rest: TOTP secrets are sealed with AES-256-GCM under the keys
-- of TOTP_KEYS, and recovery codes are MACed instead of hashed.
--
-- users.totp_secret now holds "v1:<key id>:<base64url(nonce | ciphertext)>"
-- (accounts.secretBox), bound to the user's id. SQL cannot encrypt (it has
-- no key), so this migration changes no secret: at every start of
-- `partnerdir serve` (app.Start → accounts.SealTOTPSecrets) each secret
-- still in clear is sealed under the newest key and each secret sealed
-- under an older key is sealed again under the newest, in one transaction
-- under an advisory lock. Until then a clear secret is still accepted.
-- The same step removes pending enrolment secrets left in clear in
-- sessions.data. The CHECK on totp_secret ('' exactly when two-factor is
-- off) still holds.
--
-- recovery_codes.code_hash is HMAC-SHA256, under a key derived from a
-- TOTP key, of the user's id and the code (scheme 1); key_id names that
-- key, so the start-up step can say which older keys unused codes still
-- need. Codes stored before this migration keep their unsalted SHA-256
-- (scheme 0, no key id) and keep working until used or replaced.
--
-- Down drops the columns (scheme-1 codes then no longer verify under the
-- old code) but cannot decrypt the sealed secrets: their users must enrol
-- again after a rollback past this migration.

-- +goose Up
ALTER TABLE recovery_codes
    ADD COLUMN scheme smallint NOT NULL DEFAULT 0 CHECK (scheme IN (0, 1)),
    ADD COLUMN key_id text NOT NULL DEFAULT '';
-- Existing rows got scheme 0 above; rows added from now on are HMAC.
ALTER TABLE recovery_codes ALTER COLUMN scheme SET DEFAULT 1;
COMMENT ON COLUMN users.totp_secret IS
    'TOTP secret sealed with AES-256-GCM under TOTP_KEYS (v1:<key id>:<base64url>); clear base32 only before the first start-up after migration 00013';

-- +goose Down
COMMENT ON COLUMN users.totp_secret IS NULL;
ALTER TABLE recovery_codes DROP COLUMN key_id, DROP COLUMN scheme;
