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
	if err := v.Err(); err != nil {
		return 0, err
	}
	var version int
	err := s.write(ctx, func(tx pgx.Tx) error {
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
			`DELETE FROM organisation_countries WHERE organisation_id = $1`, `DELETE FROM social_links WHERE organisation_id = $1`} {
			if _, err := tx.Exec(ctx, q, orgID); err != nil {
				return err
			}
		}
		if err := insertOrganisationLists(ctx, tx, orgID, u.ThemeSlugs, u.Countries, nil, u.SocialLinks); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor, audit.Entry{Action: "organisation.update", EntityType: "organisation",
			EntityID: orgID, OrganisationID: orgID, Details: map[string]any{"fields": profileChanges(&cur, &u), "version": version}}); err != nil {
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
	})
	if err != nil {
		return 0, fmt.Errorf("directory: update organisation %d: %w", orgID, err)
	}
	return version, nil
}

func uniq(xs []string) []string {
	out := slices.Clone(xs)
	slices.Sort(out)
	return slices.Compact(out)
}

// profileChanges names the fields u changes on cur, for the audit log.
func profileChanges(cur *Organisation, u *ProfileUpdate) []string {
	var out []string
	diff := func(name string, changed bool) {
		if changed {
			out = append(out, name)
		}
	}
	diff("name", cur.Name != u.Name)
	diff("alternate_name", cur.AlternateName != u.AlternateName)
	diff("kind", cur.Kind != u.Kind)
	diff("description_fr", cur.Description.FR != u.Description.FR)
	diff("description_en", cur.Description.EN != u.Description.EN)
	diff("mission_fr", cur.Mission.FR != u.Mission.FR)
	diff("mission_en", cur.Mission.EN != u.Mission.EN)
	diff("founded_year", cur.FoundedYear != u.FoundedYear)
	diff("website", cur.Website != u.Website)
	diff("email", cur.Email != u.Email)
	diff("phone", cur.Phone != u.Phone)
	diff("newsletter_url", cur.NewsletterURL != u.NewsletterURL)
	var themes []string
	for _, t := range cur.Themes {
		themes = append(themes, t.Slug)
	}
	diff("themes", !slices.Equal(uniq(themes), uniq(u.ThemeSlugs)))
	diff("countries", !slices.Equal(uniq(cur.Countries), uniq(u.Countries)))
	links := func(ls []SocialLink) []string {
		var out []string
		for _, l := range ls {
			out = append(out, l.Network+" "+l.URL)
		}
		return uniq(out)
	}
	diff("social_links", !slices.Equal(links(cur.SocialLinks), links(u.SocialLinks)))
	return out
}

// childWrite runs fn in a transaction for a change to one of orgID's
// offices, members, projects, contacts or rules, then records e and
// enqueues the index job. fn may set e.EntityID.
func (s *Store) childWrite(ctx context.Context, actor audit.Actor, orgID int64, e audit.Entry, fn func(tx pgx.Tx, e *audit.Entry) error) error {
	return s.write(ctx, func(tx pgx.Tx) error {
		// Locks the organisation row so concurrent writers of its children
		// queue up, and refuses an unknown organisation. A save by its own
		// people is a review of the profile.
		tag, err := tx.Exec(ctx, `UPDATE organisations SET updated_at = now(), last_reviewed_at = now() WHERE id = $1`, orgID)
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

// rowJSON reads row id of table as JSON, for the audit's "what changed".
func rowJSON(ctx context.Context, tx pgx.Tx, table string, id int64) (map[string]any, error) {
	var row map[string]any
	err := tx.QueryRow(ctx, `SELECT to_jsonb(t) - 'version' - 'updated_at' FROM `+table+` t WHERE id = $1`, id).Scan(&row)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return row, err
}

// auditedUpdate runs a version-guarded update of row id and records in e
// the names of the columns it changed.
func auditedUpdate(ctx context.Context, tx pgx.Tx, e *audit.Entry, table string, orgID, id int64, sql string, args ...any) error {
	before, err := rowJSON(ctx, tx, table, id)
	if err != nil {
		return err
	}
	if err := guarded(ctx, tx, table, orgID, id, sql, args...); err != nil {
		return err
	}
	after, err := rowJSON(ctx, tx, table, id)
	if err != nil {
		return err
	}
	var fields []string
	for k, v := range after {
		if fmt.Sprint(before[k]) != fmt.Sprint(v) {
			fields = append(fields, k)
		}
	}
	slices.Sort(fields)
	details, _ := e.Details.(map[string]any)
	if details == nil {
		details = map[string]any{}
	}
	details["fields"] = fields
	e.Details = details
	return nil
}
