-- Search support: the PostgreSQL full-text fallback used when Meilisearch is
-- unreachable or slow, and the Meilisearch tasks the index worker is waiting
-- for. Both are derived data that `partnerdir search reindex` rebuilds.

-- +goose Up
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- unaccent() is only STABLE (its dictionary could change); pinning the
-- dictionary makes an IMMUTABLE wrapper usable in indexes and generated
-- columns.
CREATE FUNCTION search_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN public.unaccent('public.unaccent'::regdictionary, $1);

-- One row per published organisation, written by the index worker from the
-- same document it sends to Meilisearch (so both answer the same filters).
CREATE TABLE search_documents (
    organisation_id bigint PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
    name            text COLLATE "und-x-icu" NOT NULL,
    kind            text NOT NULL,
    -- Countries with an office or activity, office "COUNTRY:kind" keys,
    -- theme slugs and kinds of support sought: the facets.
    countries       text[] NOT NULL DEFAULT '{}',
    office_keys     text[] NOT NULL DEFAULT '{}',
    themes          text[] NOT NULL DEFAULT '{}',
    support         text[] NOT NULL DEFAULT '{}',
    updated_at      timestamptz NOT NULL,
    -- Name, acronym and office cities, unaccented and lower-cased, for
    -- trigram matching of misspelt names ("ecpta", "Bamko").
    names           text NOT NULL,
    -- Weighted full-text vector: A names, B places and themes, C mission and
    -- titles, D descriptions, people and summaries.
    tsv             tsvector NOT NULL,
    -- The search document itself, for rendering result cards.
    document        jsonb NOT NULL,
    digest          text NOT NULL
);
CREATE INDEX search_documents_tsv_idx ON search_documents USING gin (tsv);
CREATE INDEX search_documents_names_trgm_idx ON search_documents USING gin (names gin_trgm_ops);
CREATE INDEX search_documents_countries_idx ON search_documents USING gin (countries);
CREATE INDEX search_documents_themes_idx ON search_documents USING gin (themes);
CREATE INDEX search_documents_support_idx ON search_documents USING gin (support);
CREATE INDEX search_documents_name_idx ON search_documents (name, organisation_id);

-- A Meilisearch task the index worker enqueued and has not yet seen
-- finish. A later attempt re-checks this task by uid instead of sending the
-- same change again.
CREATE TABLE search_tasks (
    index_uid       text NOT NULL,
    organisation_id bigint NOT NULL,
    task_uid        bigint NOT NULL,
    digest          text NOT NULL,
    enqueued_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (index_uid, organisation_id)
);

-- +goose Down
DROP TABLE search_tasks;
DROP TABLE search_documents;
DROP FUNCTION search_unaccent(text);
