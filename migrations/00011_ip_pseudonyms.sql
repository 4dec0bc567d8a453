-- Client addresses are no longer kept in clear anywhere.
--
-- From now on the program stores the keyed pseudonym of an address
-- (internal/pseudonym, the key offers' ip_hash already used) in audit
-- entries (details->>'ip_hash') and login-attempt keys, and nothing at all
-- in sessions. An SQL migration cannot compute those pseudonyms (the key
-- is not in the database), so the clear addresses stored until now are
-- dropped instead: in audit entries the "ip" detail is removed, sessions
-- lose their ip column and value, and the per-address login counters
-- (transient, at most one window old) start again.

-- +goose Up
ALTER TABLE sessions DROP COLUMN ip;
UPDATE sessions SET data = data - 'ip' WHERE data ? 'ip';

UPDATE audit_log SET details = details - 'ip' WHERE details ? 'ip';
DROP INDEX audit_log_join_ip_idx;
CREATE INDEX audit_log_join_ip_hash_idx ON audit_log ((details->>'ip_hash'), occurred_at)
    WHERE action IN ('organisation.join', 'user.signup');

DELETE FROM login_attempts WHERE key LIKE 'ip:%';

-- +goose Down
DROP INDEX audit_log_join_ip_hash_idx;
CREATE INDEX audit_log_join_ip_idx ON audit_log ((details->>'ip'), occurred_at)
    WHERE action IN ('organisation.join', 'user.signup');
ALTER TABLE sessions ADD COLUMN ip text NOT NULL DEFAULT '';
