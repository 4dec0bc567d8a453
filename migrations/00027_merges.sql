-- Merging duplicates (issue 14, point 5): an admin merges an organisation
-- listed twice into the one that stays (directory.Store.Merge). Everything
-- the duplicate holds moves to the kept organisation in one transaction;
-- the duplicate's row stays, with status 'merged' and merged_into_id, so
-- its slug and HSDS id keep answering (301 to the kept organisation) and
-- are never given to another organisation: organisations.slug is UNIQUE
-- and the row is never deleted while it redirects.
--
-- A project that moves keeps its slug unless the kept organisation has a
-- project of that slug already; then it gets a new one and
-- project_redirects remembers the old address (duplicate, old slug) so
-- /organisations/{old}/projects/{slug} still reaches it.
--
-- The composite foreign keys that tie children to an office, project,
-- contact point, article or team member of the same organisation become
-- DEFERRABLE (still checked per statement by default): Merge defers them
-- to the commit, so the parents and children of one organisation can move
-- in separate statements.

-- +goose Up
ALTER TABLE organisations DROP CONSTRAINT organisations_status_check;
ALTER TABLE organisations ADD CONSTRAINT organisations_status_check
    CHECK (status IN ('draft', 'pending', 'published', 'suspended', 'merged'));
ALTER TABLE organisations ADD COLUMN merged_into_id bigint REFERENCES organisations (id);
ALTER TABLE organisations ADD CONSTRAINT organisations_merged_into_check
    CHECK ((status = 'merged') = (merged_into_id IS NOT NULL) AND merged_into_id IS DISTINCT FROM id);
CREATE INDEX organisations_merged_into_idx ON organisations (merged_into_id) WHERE merged_into_id IS NOT NULL;

CREATE TABLE project_redirects (
    organisation_id bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    slug            text NOT NULL,
    project_id      bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    PRIMARY KEY (organisation_id, slug)
);
CREATE INDEX project_redirects_project_idx ON project_redirects (project_id);

ALTER TABLE team_members ALTER CONSTRAINT team_members_organisation_id_office_id_fkey DEFERRABLE;
ALTER TABLE projects ALTER CONSTRAINT projects_organisation_id_lead_office_id_fkey DEFERRABLE;
ALTER TABLE contact_points ALTER CONSTRAINT contact_points_organisation_id_office_id_fkey DEFERRABLE;
ALTER TABLE routing_rules ALTER CONSTRAINT routing_rules_organisation_id_contact_point_id_fkey DEFERRABLE;
ALTER TABLE routing_rules ALTER CONSTRAINT routing_rules_organisation_id_office_id_fkey DEFERRABLE;
ALTER TABLE routing_rules ALTER CONSTRAINT routing_rules_organisation_id_project_id_fkey DEFERRABLE;
ALTER TABLE offers ALTER CONSTRAINT offers_organisation_id_project_id_fkey DEFERRABLE;
ALTER TABLE offers ALTER CONSTRAINT offers_organisation_id_office_id_fkey DEFERRABLE;
ALTER TABLE article_projects ALTER CONSTRAINT article_projects_organisation_id_article_id_fkey DEFERRABLE;
ALTER TABLE article_projects ALTER CONSTRAINT article_projects_organisation_id_project_id_fkey DEFERRABLE;
ALTER TABLE article_offices ALTER CONSTRAINT article_offices_organisation_id_article_id_fkey DEFERRABLE;
ALTER TABLE article_offices ALTER CONSTRAINT article_offices_organisation_id_office_id_fkey DEFERRABLE;
ALTER TABLE article_members ALTER CONSTRAINT article_members_organisation_id_article_id_fkey DEFERRABLE;
ALTER TABLE article_members ALTER CONSTRAINT article_members_organisation_id_member_id_fkey DEFERRABLE;

-- +goose Down
ALTER TABLE article_members ALTER CONSTRAINT article_members_organisation_id_member_id_fkey NOT DEFERRABLE;
ALTER TABLE article_members ALTER CONSTRAINT article_members_organisation_id_article_id_fkey NOT DEFERRABLE;
ALTER TABLE article_offices ALTER CONSTRAINT article_offices_organisation_id_office_id_fkey NOT DEFERRABLE;
ALTER TABLE article_offices ALTER CONSTRAINT article_offices_organisation_id_article_id_fkey NOT DEFERRABLE;
ALTER TABLE article_projects ALTER CONSTRAINT article_projects_organisation_id_project_id_fkey NOT DEFERRABLE;
ALTER TABLE article_projects ALTER CONSTRAINT article_projects_organisation_id_article_id_fkey NOT DEFERRABLE;
ALTER TABLE offers ALTER CONSTRAINT offers_organisation_id_office_id_fkey NOT DEFERRABLE;
ALTER TABLE offers ALTER CONSTRAINT offers_organisation_id_project_id_fkey NOT DEFERRABLE;
ALTER TABLE routing_rules ALTER CONSTRAINT routing_rules_organisation_id_project_id_fkey NOT DEFERRABLE;
ALTER TABLE routing_rules ALTER CONSTRAINT routing_rules_organisation_id_office_id_fkey NOT DEFERRABLE;
ALTER TABLE routing_rules ALTER CONSTRAINT routing_rules_organisation_id_contact_point_id_fkey NOT DEFERRABLE;
ALTER TABLE contact_points ALTER CONSTRAINT contact_points_organisation_id_office_id_fkey NOT DEFERRABLE;
ALTER TABLE projects ALTER CONSTRAINT projects_organisation_id_lead_office_id_fkey NOT DEFERRABLE;
ALTER TABLE team_members ALTER CONSTRAINT team_members_organisation_id_office_id_fkey NOT DEFERRABLE;
DROP TABLE project_redirects;
DROP INDEX organisations_merged_into_idx;
ALTER TABLE organisations DROP CONSTRAINT organisations_merged_into_check;
ALTER TABLE organisations DROP COLUMN merged_into_id;
ALTER TABLE organisations DROP CONSTRAINT organisations_status_check;
ALTER TABLE organisations ADD CONSTRAINT organisations_status_check
    CHECK (status IN ('draft', 'pending', 'published', 'suspended'));
