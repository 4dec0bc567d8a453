-- An offer's routing is kept as facts (where the rule applied, who
-- re-routed it and from whom), not as an English sentence: the staff
-- inbox words it in the reader's language.

-- +goose Up
ALTER TABLE offers
    ADD COLUMN routing_scope text NOT NULL DEFAULT '',
    ADD COLUMN rerouted_by   text NOT NULL DEFAULT '',
    ADD COLUMN rerouted_from text NOT NULL DEFAULT '';
ALTER TABLE offers DROP COLUMN routing_reason;

-- +goose Down
ALTER TABLE offers ADD COLUMN routing_reason text NOT NULL DEFAULT '';
ALTER TABLE offers DROP COLUMN routing_scope, DROP COLUMN rerouted_by, DROP COLUMN rerouted_from;
