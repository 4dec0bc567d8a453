-- Personal data leaves on time (PERSONAL_DATA_RETENTION, 90 days by
-- default; accounts.PurgePersonalData, run daily and by
-- `partnerdir retention run`).
--
-- Audit entries older than the period lose what identifies a person (the
-- client's pseudonym, user agents, email addresses in the actor's label and
-- the details) and keep the action, entity, ids and times. anonymised_at
-- marks the entries done, so each run reads only the entries it has not
-- seen yet: the partial index holds those alone (the last period's).
--
-- Mail errors stored until now may quote a recipient's address (SMTP
-- replies do); the worker now redacts them before storing, and the ones
-- already stored are redacted here, with mail.AddressPattern. Mails tied to
-- no offer (account, joining and review mails) are emptied once older than
-- the period; their index finds the ones still to empty. A mail stored with
-- forget_when_sent (the confirmation that an account was deleted) is
-- emptied as soon as it is sent or refused for good.

-- +goose Up
ALTER TABLE audit_log ADD COLUMN anonymised_at timestamptz;
CREATE INDEX audit_log_to_anonymise_idx ON audit_log (occurred_at, id) WHERE anonymised_at IS NULL;

-- +goose StatementBegin
UPDATE mail_messages
SET last_error = regexp_replace(last_error, $re$[^][[:space:]<>()",;:'@]+@[^][[:space:]<>()",;:'@]+$re$, '[address]', 'g')
WHERE last_error LIKE '%@%';
-- +goose StatementEnd

CREATE INDEX mail_messages_unlinked_idx ON mail_messages (created_at, id) WHERE offer_id IS NULL AND to_email <> '';
ALTER TABLE mail_messages ADD COLUMN forget_when_sent boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE mail_messages DROP COLUMN forget_when_sent;
DROP INDEX mail_messages_unlinked_idx;
DROP INDEX audit_log_to_anonymise_idx;
ALTER TABLE audit_log DROP COLUMN anonymised_at;
