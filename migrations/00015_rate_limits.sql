-- One table for every limit that must hold across instances and bursts
-- (internal/ratelimit): sign-in per client address and per account,
-- two-factor codes, offers per address and per email, applications and
-- sign-ups, token redemption and reset requests. It is login_attempts
-- generalised: a row counts every attempt in a fixed window (not only the
-- failures), recorded and decided by one INSERT … ON CONFLICT … RETURNING
-- before the work it protects, so parallel attempts cannot all pass a
-- check made before any of them was recorded.
--
-- Keys name the limit and a keyed pseudonym of its subject
-- ("login:account:<hash>"), never an address or an email in clear. The
-- old counters were keyed "account:<email>": they are dropped (at most one
-- window old, 15 minutes).

-- +goose Up
DELETE FROM login_attempts;
ALTER TABLE login_attempts RENAME TO rate_limits;
ALTER TABLE rate_limits RENAME COLUMN failures TO hits;
ALTER TABLE rate_limits RENAME CONSTRAINT login_attempts_pkey TO rate_limits_pkey;
-- For ratelimit.Purge, which deletes windows that ended long ago.
CREATE INDEX rate_limits_window_start_idx ON rate_limits (window_start);

-- +goose Down
DELETE FROM rate_limits;
DROP INDEX rate_limits_window_start_idx;
ALTER TABLE rate_limits RENAME CONSTRAINT rate_limits_pkey TO login_attempts_pkey;
ALTER TABLE rate_limits RENAME COLUMN hits TO failures;
ALTER TABLE rate_limits RENAME TO login_attempts;
