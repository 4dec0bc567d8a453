-- Pushed invalidation of the page caches (issue 15, point 1): every
-- statement that changes what a public page, a feed, the sitemap or the
-- public API shows notifies the channel partnerdir_changes, with the
-- table's name as payload. Each instance listens on it
-- (internal/invalidate) and drops its cached pages and counts, so a write
-- through any instance, a script or psql reaches every instance within
-- moments of its commit. NOTIFY is transactional: a rolled-back write
-- notifies nobody, and the notifications of one transaction (the same
-- payload once) arrive together at its commit.
--
-- memberships is among them because a profile shows its claim link while
-- the organisation has no owner.
--
-- Statement-level triggers: a bulk import or a merge costs one
-- notification per table and statement, not one per row. Tables that no
-- public page reads (users, sessions, offers, audit, the job and mail
-- tables, search_documents) are left out: a login must not empty every
-- cache.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION partnerdir_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('partnerdir_changes', TG_TABLE_NAME);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'organisations', 'organisation_countries', 'organisation_themes', 'organisation_identifiers',
        'organisation_decisions', 'social_links', 'offices', 'office_countries', 'team_members',
        'projects', 'project_countries', 'project_themes', 'project_redirects', 'contact_points',
        'routing_rules', 'documents', 'themes', 'countries', 'memberships',
        'articles', 'article_translations', 'article_countries', 'article_themes', 'article_members',
        'article_offices', 'article_projects']
    LOOP
        EXECUTE format('CREATE TRIGGER partnerdir_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I
            FOR EACH STATEMENT EXECUTE FUNCTION partnerdir_notify_change()', t);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = 'partnerdir_notify_change'
    LOOP
        EXECUTE format('DROP TRIGGER partnerdir_notify_change ON %s', t);
    END LOOP;
END
$$;
-- +goose StatementEnd
DROP FUNCTION partnerdir_notify_change();
