-- The API's list filters organisations by words of their name or acronym
-- (ILIKE '%…%'): trigrams answer it from the indexes, where a scan of
-- every name takes about a second at 100,000 organisations. The name
-- already has its trigram index (00006).

-- +goose Up
CREATE INDEX organisations_alternate_name_trgm_idx ON organisations USING gin (alternate_name gin_trgm_ops);

-- +goose Down
DROP INDEX organisations_alternate_name_trgm_idx;
