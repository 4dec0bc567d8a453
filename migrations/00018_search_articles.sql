-- The search index of partner articles, beside the organisations': the
-- PostgreSQL fallback's rows for published articles, and search_tasks made
-- general (a task is for one document of one index, whatever the index).
--
-- search_articles has no foreign key to articles on purpose: when an
-- article or its organisation is deleted its row stays until the index
-- worker removes it, and with it the Meilisearch document (the row says
-- which organisation the document belonged to, so the worker finds it).
-- Like search_documents it is derived data that `partnerdir search
-- reindex` rebuilds.

-- +goose Up
CREATE TABLE search_articles (
    article_id      bigint PRIMARY KEY,
    organisation_id bigint NOT NULL,
    -- Theme slugs, country codes, languages written: the facets.
    themes          text[] NOT NULL DEFAULT '{}',
    countries       text[] NOT NULL DEFAULT '{}',
    langs           text[] NOT NULL DEFAULT '{}',
    published_at    timestamptz NOT NULL,
    -- Titles, the organisation's name and the people presented,
    -- unaccented and lower-cased, for trigram matching of misspellings.
    names           text NOT NULL,
    -- Weighted full-text vector: A titles, B leads and people, C the
    -- organisation, themes and countries, D the bodies.
    tsv             tsvector NOT NULL,
    -- The search document itself, for rendering result cards.
    document        jsonb NOT NULL,
    digest          text NOT NULL
);
CREATE INDEX search_articles_tsv_idx ON search_articles USING gin (tsv);
CREATE INDEX search_articles_names_trgm_idx ON search_articles USING gin (names gin_trgm_ops);
CREATE INDEX search_articles_themes_idx ON search_articles USING gin (themes);
CREATE INDEX search_articles_countries_idx ON search_articles USING gin (countries);
CREATE INDEX search_articles_organisation_idx ON search_articles (organisation_id);
CREATE INDEX search_articles_latest_idx ON search_articles (published_at DESC, article_id DESC);

-- A task is for a document of one index (index_uid); the id is an
-- organisation's or an article's, as the index says.
ALTER TABLE search_tasks RENAME COLUMN organisation_id TO document_id;

-- +goose Down
ALTER TABLE search_tasks RENAME COLUMN document_id TO organisation_id;
DROP TABLE search_articles;
