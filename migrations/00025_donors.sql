-- Donors hear back (issue 14): the mails to a donor about their offer's
-- status are sent at most once per offer and status. The outbox stores a
-- message with an idempotency key at most once (INSERT … ON CONFLICT DO
-- NOTHING), so two transitions racing, a retried request or a repeated
-- call compose one mail. NULL (most mails) never conflicts.

-- +goose Up
ALTER TABLE mail_messages ADD COLUMN idempotency_key text;
ALTER TABLE mail_messages ADD CONSTRAINT mail_messages_idempotency_key_key UNIQUE (idempotency_key);
COMMENT ON COLUMN mail_messages.idempotency_key IS 'At most one message per key, e.g. offer-status:<offer id>:<status> (internal/offers).';

-- +goose Down
ALTER TABLE mail_messages DROP COLUMN idempotency_key;
