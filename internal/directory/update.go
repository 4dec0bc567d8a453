package directory

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/fault"
)

// ProfileUpdate is what an organisation's editors may change on its own
// fields. Version is the version they read: a save based on an older one
// is refused with fault.ErrConflict rather than overwriting someone's work.
type ProfileUpdate struct {
	Version       int
	Name          string
	AlternateName string
	Kind          Kind
	Description   Localized
	Mission       Localized
	FoundedYear   int
	Website       string
	Email         string
	Phone         string
	NewsletterURL string
	ThemeSlugs    []string
	Countries     []string
	SocialLinks   []SocialLink
	// Identifiers are the organisation's registrations, replacing the
	// stored ones (org-id.guide schemes of IdentifierSchemes).
	Identifiers []Identifier
}

// UpdateProfile saves u on organisation orgID, with its audit entry (the
// names of the changed fields) and its index job, and returns the new
// version. It returns an Invalid error for bad input, fault.ErrNotFound for an
// unknown organisation and fault.ErrConflict when the version is stale.
func (s *Store) UpdateProfile(ctx context.Context, actor audit.Actor, orgID int64, u ProfileUpdate) (int, error) {
	check := Organisation{Slug: "x", Status: StatusDraft, Name: u.Name, AlternateName: u.AlternateName, Kind: u.Kind,
		Description: u.Description, Mission: u.Mission, FoundedYear: u.FoundedYear, Website: u.Website, Email: u.Email,
		Phone: u.Phone, NewsletterURL: u.NewsletterURL, Countries: u.Countries, SocialLinks: u.SocialLinks}
	var v checker
	v.Merge("", check.Validate())
	seen := map[string]bool{}
	for _, l := range u.SocialLinks {
		if seen[l.Network] {
			v.Add("social_"+l.Network, "manage.err.given_twice")
		}
		seen[l.Network] = true
	}
	v.identifiers(u.Identifiers)
	if err := v.Err(); err != nil {
		return 0, err
	}
	var version int
	err := s.write(ctx, func(tx pgx.Tx) error {
		var err error
		version, err = s.updateProfileTx(ctx, tx, actor, orgID, u)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("directory: update organisation %d: %w", orgID, err)
	}
	return version, nil
}

// updateProfileTx is UpdateProfile's transaction, for u already validated
// (an import's update runs it too).
func (s *Store) updateProfileTx(ctx context.Context, tx pgx.Tx, actor audit.Actor, orgID int64, u ProfileUpdate) (int, error) {
	var version int
	err := func() error {
		var cur Organisation
		err := scanOrganisation(tx.QueryRow(ctx, "SELECT "+organisationColumns+" FROM organisations o WHERE o.id = $1 FOR UPDATE OF o", orgID), &cur)
		if errors.Is(err, pgx.ErrNoRows) {
			return fault.ErrNotFound
		}
		if err != nil {
			return err
		}
		if cur.Version != u.Version {
			return fault.ErrConflict
		}
		var known int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM themes WHERE slug = ANY($1)`, u.ThemeSlugs).Scan(&known); err != nil {
			return err
		}
		if known != len(uniq(u.ThemeSlugs)) {
			return fault.InvalidField("themes", "manage.err.unknown_theme")
		}
		err = tx.QueryRow(ctx, `
			UPDATE organisations SET name = $2, alternate_name = $3, iati_type = $4, description_fr = $5, description_en = $6,
				mission_fr = $7, mission_en = $8, founded_year = NULLIF($9, 0), website = $10, email = $11, phone = $12,
				newsletter_url = $13, version = version + 1, updated_at = now(), last_reviewed_at = now()
			WHERE id = $1 RETURNING version`,
			orgID, u.Name, u.AlternateName, u.Kind, u.Description.FR, u.Description.EN, u.Mission.FR, u.Mission.EN,
			u.FoundedYear, u.Website, u.Email, u.Phone, u.NewsletterURL).Scan(&version)
		if err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM organisation_themes WHERE organisation_id = $1`,
			`DELETE FROM organisation_countries WHERE organisation_id = $1`, `DELETE FROM social_links WHERE organisation_id = $1`,
			`DELETE FROM organisation_identifiers WHERE organisation_id = $1`} {
			if _, err := tx.Exec(ctx, q, orgID); err != nil {
				return err
			}
		}
		if err := insertOrganisationLists(ctx, tx, orgID, u.ThemeSlugs, u.Countries, u.Identifiers, u.SocialLinks); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor, audit.Entry{Action: "organisation.update", EntityType: "organisation",
			EntityID: orgID, OrganisationID: orgID, Details: changeDetails(map[string]any{"version": version}, profileChanges(&cur, &u))}); err != nil {
			return err
		}
		// The platform verified this name at this website: another one
		// is not verified.
		if renamed, moved := cur.Name != u.Name, cur.Website != u.Website; renamed || moved {
			var fields []string
			if renamed {
				fields = append(fields, "name")
			}
			if moved {
				fields = append(fields, "website")
			}
			if err := withdrawVerificationTx(ctx, tx, actor, orgID, fields); err != nil {
				return err
			}
		}
		return s.changed(ctx, tx, orgID)
	}()
	return version, err
}

func uniq(xs []string) []string {
	out := slices.Clone(xs)
	slices.Sort(out)
	return slices.Compact(out)
}

// profileChanges is every field u changes on cur, with its old and new
// value, for the audit log (and the organisation's History).
func profileChanges(cur *Organisation, u *ProfileUpdate) map[string]audit.Change {
	out := map[string]audit.Change{}
	diff := func(name string, old, new any) {
		if fmt.Sprint(old) != fmt.Sprint(new) {
			out[name] = audit.Change{Old: old, New: new}
		}
	}
	diff("name", cur.Name, u.Name)
	diff("alternate_name", cur.AlternateName, u.AlternateName)
	diff("kind", int(cur.Kind), int(u.Kind))
	diff("description_fr", cur.Description.FR, u.Description.FR)
	diff("description_en", cur.Description.EN, u.Description.EN)
	diff("mission_fr", cur.Mission.FR, u.Mission.FR)
	diff("mission_en", cur.Mission.EN, u.Mission.EN)
	diff("founded_year", cur.FoundedYear, u.FoundedYear)
	diff("website", cur.Website, u.Website)
	diff("email", cur.Email, u.Email)
	diff("phone", cur.Phone, u.Phone)
	diff("newsletter_url", cur.NewsletterURL, u.NewsletterURL)
	var themes []string
	for _, t := range cur.Themes {
		themes = append(themes, t.Slug)
	}
	diff("themes", uniq(themes), uniq(u.ThemeSlugs))
	diff("countries", uniq(cur.Countries), uniq(u.Countries))
	links := func(ls []SocialLink) []string {
		out := []string{}
		for _, l := range ls {
			out = append(out, l.Network+" "+l.URL)
		}
		return uniq(out)
	}
	diff("social_links", links(cur.SocialLinks), links(u.SocialLinks))
	ids := func(xs []Identifier) []string {
		var out []string
		for _, x := range xs {
			out = append(out, x.Scheme+" "+x.Value)
		}
		return uniq(out)
	}
	diff("identifiers", ids(cur.Identifiers), ids(u.Identifiers))
	return out
}

// changeDetails adds changes to an entry's details: "changes", each
// field's old and new value, and "fields", their names (sorted), which
// entries written before the values were kept also have.
func changeDetails(details map[string]any, changes map[string]audit.Change) map[string]any {
	if details == nil {
		details = map[string]any{}
	}
	fields := make([]string, 0, len(changes))
	for k := range changes {
		fields = append(fields, k)
	}
	slices.Sort(fields)
	details["fields"] = fields
	details["changes"] = changes
	return details
}

// childWrite runs fn in a transaction for a change to one of orgID's
// offices, members, projects, contacts or rules, then records e and
// enqueues the index job. fn may set e.EntityID.
func (s *Store) childWrite(ctx context.Context, actor audit.Actor, orgID int64, e audit.Entry, fn func(tx pgx.Tx, e *audit.Entry) error) error {
	return s.write(ctx, func(tx pgx.Tx) error {
		// Locks the organisation row so concurrent writers of its children
		// queue up, and refuses an unknown organisation. A save by its own
		// people is a review of the profile; one by the platform itself
		// (the seed's logos and reports, a command) is not.
		tag, err := tx.Exec(ctx, `UPDATE organisations SET updated_at = now(),
			last_reviewed_at = CASE WHEN $2 THEN now() ELSE last_reviewed_at END WHERE id = $1`, orgID, actor.UserID != 0)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fault.ErrNotFound
		}
		if err := fn(tx, &e); err != nil {
			return err
		}
		e.OrganisationID = orgID
		if err := audit.Record(ctx, tx, actor, e); err != nil {
			return err
		}
		return s.changed(ctx, tx, orgID)
	})
}

// staleOrMissing explains an UPDATE or DELETE guarded by version that
// touched no row: fault.ErrNotFound when the row is not orgID's, else
// fault.ErrConflict.
func staleOrMissing(ctx context.Context, tx pgx.Tx, table string, orgID, id int64) error {
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+table+` WHERE id = $1 AND organisation_id = $2)`, id, orgID).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return fault.ErrConflict
	}
	return fault.ErrNotFound
}

// guarded runs a version-guarded statement and maps "no row" to
// fault.ErrNotFound or fault.ErrConflict.
func guarded(ctx context.Context, tx pgx.Tx, table string, orgID, id int64, sql string, args ...any) error {
	tag, err := tx.Exec(ctx, sql, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return staleOrMissing(ctx, tx, table, orgID, id)
	}
	return nil
}

// snapshotSQL reads one of an organisation's rows as JSON, with what its
// join tables hold about it, for the audit's old and new values. Columns
// that say nothing to a reader (ids, position, version, times) are left
// out.
var snapshotSQL = map[string]string{
	"offices": `to_jsonb(t) || jsonb_build_object('covers', ARRAY(
		SELECT country_code FROM office_countries WHERE office_id = t.id ORDER BY country_code))`,
	"projects": `to_jsonb(t) || jsonb_build_object(
		'countries', ARRAY(SELECT country_code FROM project_countries WHERE project_id = t.id ORDER BY country_code),
		'themes', ARRAY(SELECT th.slug FROM project_themes pt JOIN themes th ON th.id = pt.theme_id
			WHERE pt.project_id = t.id ORDER BY th.slug))`,
	"team_members":   `to_jsonb(t)`,
	"contact_points": `to_jsonb(t)`,
	// A document's stored name and hash say nothing to a reader, and its
	// uploader is the audit entry's actor already.
	"documents": `to_jsonb(t) - 'file_name' - 'sha256' - 'uploaded_by'`,
}

// snapshot reads row id of table, orgID's, as snapshotSQL says (nil when
// there is none).
func snapshot(ctx context.Context, tx pgx.Tx, table string, orgID, id int64) (map[string]any, error) {
	expr, ok := snapshotSQL[table]
	if !ok {
		return nil, fmt.Errorf("directory: no snapshot of %s", table)
	}
	var row map[string]any
	err := tx.QueryRow(ctx, `SELECT (`+expr+`) - 'id' - 'organisation_id' - 'version' - 'updated_at' - 'created_at' - 'position'
		FROM `+table+` t WHERE id = $1 AND organisation_id = $2`, id, orgID).Scan(&row)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return row, err
}

// rowChanges is what changed between two snapshots of a row (either may
// be nil: a creation, a deletion).
func rowChanges(before, after map[string]any) map[string]audit.Change {
	out := map[string]audit.Change{}
	for k, v := range after {
		if old, ok := before[k]; !ok || fmt.Sprint(old) != fmt.Sprint(v) {
			out[k] = audit.Change{Old: old, New: v}
		}
	}
	for k, v := range before {
		if _, ok := after[k]; !ok {
			out[k] = audit.Change{Old: v}
		}
	}
	return out
}

// auditedUpdate runs a version-guarded update of row id; updateChild
// records what it changed.
func auditedUpdate(ctx context.Context, tx pgx.Tx, _ *audit.Entry, table string, orgID, id int64, sql string, args ...any) error {
	return guarded(ctx, tx, table, orgID, id, sql, args...)
}

// History is a page of organisation orgID's audit entries, newest first,
// before the entry id before (0: the newest); see audit.History.
func (s *Store) History(ctx context.Context, orgID, before int64, limit int) (*audit.HistoryPage, error) {
	return audit.History(ctx, s.pool, orgID, before, limit)
}
