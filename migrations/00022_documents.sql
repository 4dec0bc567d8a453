-- Organisations' documents: annual reports, registration certificates,
-- audited accounts, statutes and others, as PDF files that owners and
-- editors upload at /manage/{org}/documents (internal/directory owns the
-- table, internal/uploads the files).
--
-- file_name is the name the uploads store gave the file in its documents
-- folder (a prefix, 16 random hex digits, .pdf): never the name the
-- uploader's computer used, and never served as a path by itself — a
-- download goes through the document's id, which checks its visibility.
-- Public documents are listed on the profile and downloadable by anyone;
-- private ones only by the organisation's owners and editors, and by
-- staff and admins (verification).
--
-- uploaded_by is personal data: like an article's author, it is set to
-- NULL when the account is erased (ON DELETE SET NULL); the document stays
-- the organisation's.

-- +goose Up
CREATE TABLE documents (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('annual_report', 'registration_certificate', 'audited_accounts', 'statutes', 'other')),
    year            smallint CHECK (year BETWEEN 1900 AND 2200),
    title           text NOT NULL CHECK (btrim(title) <> '' AND length(title) <= 200),
    visibility      text NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'private')),
    file_name       text NOT NULL UNIQUE CHECK (file_name ~ '^[a-z0-9-]{1,80}-[0-9a-f]{16}\.pdf$'),
    size_bytes      bigint NOT NULL CHECK (size_bytes > 0),
    sha256          text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    uploaded_by     bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
-- The profile lists an organisation's public documents, latest year first.
CREATE INDEX documents_organisation_idx ON documents (organisation_id, year DESC NULLS LAST, id DESC);
CREATE INDEX documents_uploaded_by_idx ON documents (uploaded_by) WHERE uploaded_by IS NOT NULL;

-- +goose Down
DROP TABLE documents;
