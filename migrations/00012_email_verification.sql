-- Proven email ownership. An account made by /signup or /join holds no
-- right (its memberships count for nothing, it claims nothing) until its
-- owner follows a single-use link mailed to the address: a 'verify'
-- token, stored hashed like the others, which sets email_verified_at. An
-- invitation of an address that already has an account no longer grants
-- the membership at once: it waits as an 'accept' token carrying the
-- organisation and the role until its owner accepts it, signed in as that
-- address.
--
-- Every account that exists when this runs counts as verified: until now
-- accounts were made by admins (the admin pages, `partnerdir user
-- create`), who vouch for the address, by invitations, whose link went to
-- the address, or by /signup and /join before this rule. The last cannot
-- be told apart from the others afterwards, and taking their rights away
-- would lock out the organisations that use the platform today; their
-- verification date is their creation date. From now on admin and CLI
-- accounts are created verified and signup and join accounts unverified.

-- +goose Up
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;
UPDATE users SET email_verified_at = created_at;

ALTER TABLE account_tokens DROP CONSTRAINT account_tokens_purpose_check;
ALTER TABLE account_tokens ADD CONSTRAINT account_tokens_purpose_check
    CHECK (purpose IN ('reset', 'invite', 'verify', 'accept'));
-- A pending invitation always says to what and as what.
ALTER TABLE account_tokens ADD CONSTRAINT account_tokens_accept_check
    CHECK (purpose <> 'accept' OR (organisation_id IS NOT NULL AND org_role IS NOT NULL));

-- +goose Down
DELETE FROM account_tokens WHERE purpose IN ('verify', 'accept');
ALTER TABLE account_tokens DROP CONSTRAINT account_tokens_accept_check;
ALTER TABLE account_tokens DROP CONSTRAINT account_tokens_purpose_check;
ALTER TABLE account_tokens ADD CONSTRAINT account_tokens_purpose_check CHECK (purpose IN ('reset', 'invite'));
ALTER TABLE users DROP COLUMN email_verified_at;
