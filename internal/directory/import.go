package directory

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/url"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

// The directory's side of bulk imports (internal/importing orchestrates
// them): which stored organisation an incoming one is, whether it differs,
// and the one transaction that creates or updates it. Creation is
// CreateTx; an update runs the statements of UpdateProfile, UpdateOffice,
// UpdateMember and UpdateContact, so an import is validated and written
// exactly as the site's own forms are.

// Import is one organisation as a bulk import describes it.
//
// Within Profile, offices are told apart by their ID, any value unique in
// the profile (a line number, a position): Members' and Contacts'
// OfficeID refer to it. Stored ids are never taken from an import.
type Import struct {
	Profile *Profile
	// Contacts are its contact points; on creation the first is the
	// default one (a published organisation needs one).
	Contacts []ContactPoint
	// Keep names the organisation's own fields the source does not carry
	// (ImportFields): an update leaves them as they are stored.
	Keep []string
	// Publish makes a new organisation published instead of pending
	// (waiting for staff's review). An update never changes the status.
	Publish bool
	// TriageWithoutContact lets Publish publish a new organisation none
	// of whose Contacts is marked Default (a public HSDS record leaves a
	// private default contact out): none becomes its default contact and
	// its offers go to the platform's triage mailbox
	// (NewOrganisation.OffersToTriage). Without it the first contact is
	// the default one, and publishing an organisation without contacts is
	// refused. Bulk imports set it; an admin's approval never publishes
	// without a default contact.
	TriageWithoutContact bool
}

// ImportFields are the organisation's own fields an import may leave out
// (Import.Keep), by the names validation errors use; "social_NETWORK"
// (social_facebook, …) keeps one network's link.
var ImportFields = []string{"alternate_name", "description_fr", "description_en", "mission_fr", "mission_en",
	"founded_year", "website", "email", "phone", "newsletter_url", "themes", "countries", "social_links"}

// The outcomes of an imported organisation.
const (
	ImportCreated   = "created"
	ImportUpdated   = "updated"
	ImportUnchanged = "unchanged"
)

// How an incoming organisation was matched to a stored one.
const (
	MatchIdentifier = "identifier"
	MatchWebsite    = "website"
	MatchSlug       = "slug"
)

// ImportResult is what an import did with one organisation.
type ImportResult struct {
	Outcome string
	ID      int64
	// Slug is the stored organisation's (a match by identifier or website
	// keeps its own slug).
	Slug string
	// MatchedBy is how it was found: MatchIdentifier, MatchWebsite,
	// MatchSlug, or "" when created.
	MatchedBy string
	// Changed names what an update changed.
	Changed []string
}

// Import errors, as the rows of a report show them.
var (
	// ErrAmbiguousIdentifier: the identifiers belong to several organisations.
	ErrAmbiguousIdentifier = &fault.Error{Kind: fault.Invalid, Fields: map[string]string{"identifiers": "import.err.identifiers_several"}}
	// ErrAmbiguousWebsite: several organisations have the website's domain.
	ErrAmbiguousWebsite = &fault.Error{Kind: fault.Invalid, Fields: map[string]string{"website": "import.err.website_several"}}
	// ErrIdentifierTaken: another organisation has the identifier.
	ErrIdentifierTaken = &fault.Error{Kind: fault.Invalid, Fields: map[string]string{"identifiers": "import.err.identifier_taken"}}
	// ErrRejectedByDatabase: a value passed validation but not one of the
	// schema's constraints.
	ErrRejectedByDatabase = &fault.Error{Kind: fault.Invalid, Fields: map[string]string{"": "import.err.rejected"}}
)

// WebsiteDomain is how imports compare websites: the host in lower case
// without "www." ("" for no web address). Migration 00021 indexes the same
// expression.
func WebsiteDomain(website string) string {
	u, err := url.Parse(strings.TrimSpace(website))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
}

// websiteDomainSQL is WebsiteDomain in SQL, the expression of
// organisations_website_domain_idx.
const websiteDomainSQL = `substring(lower(website) from '^https?://(?:[^@/?#]*@)?(?:www\.)?([^/:?#]+)')`

// errDryRun rolls a dry run's transaction back.
var errDryRun = errors.New("directory: dry run")

// Import creates or updates the organisation im describes, in one
// transaction with its audit entry and its index jobs; with dryRun the
// transaction is rolled back, so the decision is the one a real run takes
// (every statement and constraint ran) and nothing is kept, jobs and audit
// included. It returns an Invalid error naming the field for bad input,
// an ambiguous match or an identifier that is another organisation's.
func (s *Store) Import(ctx context.Context, actor audit.Actor, im *Import, dryRun bool) (ImportResult, error) {
	var r ImportResult
	err := s.write(ctx, func(tx pgx.Tx) error {
		var err error
		if r, err = s.ImportTx(ctx, tx, actor, im); err != nil {
			return err
		}
		if dryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (strings.HasPrefix(pgErr.Code, "22") || strings.HasPrefix(pgErr.Code, "23")) {
		// Data the checks let through but a constraint refuses: this
		// organisation is refused, the import goes on.
		err = fmt.Errorf("%w: %v", ErrRejectedByDatabase, err)
	}
	return r, err
}

// ImportTx is Import inside the caller's transaction.
func (s *Store) ImportTx(ctx context.Context, tx pgx.Tx, actor audit.Actor, im *Import) (ImportResult, error) {
	p := im.Profile
	if p == nil {
		return ImportResult{}, fault.InvalidField("", "manage.err.required")
	}
	id, by, err := matchImport(ctx, tx, p)
	if err != nil {
		return ImportResult{}, err
	}
	if id == 0 {
		n := newFromImport(im)
		if id, err = s.CreateTx(ctx, tx, actor, n); err != nil {
			return ImportResult{}, identifierError(err)
		}
		// A record from another directory keeps its HSDS id, so exporting
		// it again gives the same record.
		if p.UUID != "" {
			if _, err := tx.Exec(ctx, `UPDATE organisations SET uuid = $2 WHERE id = $1`, id, p.UUID); err != nil {
				return ImportResult{}, err
			}
		}
		return ImportResult{Outcome: ImportCreated, ID: id, Slug: n.Slug}, nil
	}
	r, err := s.updateImported(ctx, tx, actor, id, im)
	r.MatchedBy = by
	return r, identifierError(err)
}

func identifierError(err error) error {
	if c, ok := postgres.UniqueViolation(err); ok && c == "organisation_identifiers_scheme_value_key" {
		return fmt.Errorf("%w: %v", ErrIdentifierTaken, err)
	}
	return err
}

// matchImport finds the stored organisation p is: by one of its
// identifiers (scheme and value), else by its website's domain, else by
// its slug; 0 when none. The same round trip checks p's themes, which
// CreateTx would leave out without a word when unknown. Each part is an
// index lookup, also in a generic plan (the identifiers are joined, not
// semi-joined: that was a scan of every identifier per row).
func matchImport(ctx context.Context, tx pgx.Tx, p *Profile) (int64, string, error) {
	schemes := make([]string, len(p.Identifiers))
	values := make([]string, len(p.Identifiers))
	for i, id := range p.Identifiers {
		schemes[i], values[i] = id.Scheme, id.Value
	}
	themes := themeSlugs(p.Themes)
	rows, _ := tx.Query(ctx, `
		SELECT 0, count(*) FROM themes WHERE slug = ANY($5)
		UNION ALL
		SELECT DISTINCT 1, i.organisation_id FROM unnest($1::text[], $2::text[]) AS u(scheme, value)
		JOIN organisation_identifiers i ON i.scheme = u.scheme AND i.value = u.value
		UNION ALL
		SELECT 2, id FROM organisations WHERE $3 <> '' AND website <> '' AND `+websiteDomainSQL+` = $3
		UNION ALL
		SELECT 3, id FROM organisations WHERE slug = $4
		ORDER BY 1, 2`, schemes, values, WebsiteDomain(p.Website), p.Slug, themes)
	type candidate struct {
		Key int
		ID  int64
	}
	cs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[candidate])
	if err != nil {
		return 0, "", fmt.Errorf("directory: match import %s: %w", p.Slug, err)
	}
	if len(cs) == 0 || cs[0].Key != 0 || cs[0].ID != int64(len(uniq(themes))) {
		return 0, "", fault.InvalidField("themes", "manage.err.unknown_theme")
	}
	cs = cs[1:]
	if len(cs) == 0 {
		return 0, "", nil
	}
	if len(cs) > 1 && cs[1].Key == cs[0].Key {
		if cs[0].Key == 1 {
			return 0, "", ErrAmbiguousIdentifier
		}
		if cs[0].Key == 2 {
			return 0, "", ErrAmbiguousWebsite
		}
	}
	return cs[0].ID, [...]string{1: MatchIdentifier, 2: MatchWebsite, 3: MatchSlug}[cs[0].Key], nil
}

func themeSlugs(themes []Theme) []string {
	out := make([]string, len(themes))
	for i, t := range themes {
		out[i] = t.Slug
	}
	return out
}

// newFromImport is the organisation im describes, to create: offices,
// members and contacts referring to each other by office name as
// NewOrganisation does.
func newFromImport(im *Import) *NewOrganisation {
	p := im.Profile
	n := &NewOrganisation{Organisation: p.Organisation, ThemeSlugs: themeSlugs(p.Themes)}
	n.Status = StatusPending
	if im.Publish {
		n.Status = StatusPublished
	}
	names := officeNames(p.Offices)
	for i, f := range p.Offices {
		f.Position = i + 1
		n.Offices = append(n.Offices, f)
	}
	for i, m := range p.Members {
		m.Position = i + 1
		n.Members = append(n.Members, NewMember{Member: m, Office: names[m.OfficeID]})
	}
	for _, pr := range p.Projects {
		n.Projects = append(n.Projects, NewProject{Project: pr, LeadOffice: names[pr.LeadOfficeID], ThemeSlugs: themeSlugs(pr.Themes)})
	}
	// The contact the source marks as the default comes first (CreateTx
	// makes the first the default); with none marked, TriageWithoutContact
	// publishes with no default at all.
	marked := slices.IndexFunc(im.Contacts, func(c ContactPoint) bool { return c.Default })
	n.OffersToTriage = im.Publish && im.TriageWithoutContact && marked < 0
	contacts := slices.Clone(im.Contacts)
	if marked > 0 {
		contacts = slices.Insert(slices.Delete(contacts, marked, marked+1), 0, im.Contacts[marked])
	}
	for _, c := range contacts {
		n.Contacts = append(n.Contacts, NewContact{ContactPoint: c, Office: names[c.OfficeID]})
	}
	return n
}

func officeNames(offices []Office) map[int64]string {
	m := make(map[int64]string, len(offices))
	for _, f := range offices {
		if f.ID != 0 {
			m[f.ID] = f.Name
		}
	}
	return m
}

// updateImported brings stored organisation id in line with im, when
// they differ. What an import carries is compared field by field with
// what is stored — "unchanged" means all of these are equal:
//   - the organisation's own fields (name, alternate name, kind,
//     descriptions, missions, founding year, website, email, phone,
//     newsletter, themes, countries and social links as sets), but those
//     in im.Keep;
//   - every incoming identifier is stored (with its value);
//   - every incoming office has a stored one, the headquarters by kind and
//     the others by name, with the same fields (coordinates to the
//     microdegree the schema keeps, covered countries as a set);
//   - every incoming member has a stored one of the same full name, with
//     the same role, responsibilities, biography, year, email, visibility
//     and office;
//   - every incoming contact has a stored one of the same email, with the
//     same name, role, visibility and office.
//
// An import adds and corrects, it never deletes: offices, members,
// contacts and identifiers it does not mention stay, and so do the
// status, the slug, the logo and the projects.
func (s *Store) updateImported(ctx context.Context, tx pgx.Tx, actor audit.Actor, id int64, im *Import) (ImportResult, error) {
	// Most rows of a second run are unchanged: they are decided without
	// a lock. A change is decided again, and written, under the lock.
	r, err := s.applyImport(ctx, tx, actor, id, im, false)
	if err != nil || r.Outcome == ImportUnchanged {
		return r, err
	}
	return s.applyImport(ctx, tx, actor, id, im, true)
}

// applyImport compares im with stored organisation id and, with write,
// locks its row first and saves the differences.
func (s *Store) applyImport(ctx context.Context, tx pgx.Tx, actor audit.Actor, id int64, im *Import, write bool) (ImportResult, error) {
	var version int
	if write {
		if err := tx.QueryRow(ctx, `SELECT version FROM organisations WHERE id = $1 FOR UPDATE`, id).Scan(&version); err != nil {
			return ImportResult{}, fmt.Errorf("directory: lock %d: %w", id, err)
		}
	}
	// With write, read with the row locked: every writer of an
	// organisation or its children locks that row first, so this is what
	// is stored until the commit.
	cur, err := s.ProfileByID(ctx, id, ProfileOptions{Unpublished: true, Private: true})
	if err != nil {
		return ImportResult{}, err
	}
	contacts, err := s.ContactPoints(ctx, id)
	if err != nil {
		return ImportResult{}, err
	}
	in := *im.Profile
	in.Organisation = mergeKept(im.Profile.Organisation, cur.Organisation, im.Keep)
	in.Slug, in.Status = cur.Slug, cur.Status
	r := ImportResult{Outcome: ImportUnchanged, ID: id, Slug: cur.Slug}

	check := NewOrganisation{Organisation: in.Organisation}
	inNames := officeNames(in.Offices)
	for _, f := range in.Offices {
		check.Offices = append(check.Offices, f)
	}
	for _, m := range in.Members {
		check.Members = append(check.Members, NewMember{Member: m, Office: inNames[m.OfficeID]})
	}
	for _, c := range im.Contacts {
		check.Contacts = append(check.Contacts, NewContact{ContactPoint: c, Office: inNames[c.OfficeID]})
	}
	// The stored organisation has its status and, when published, its
	// default contact already: only the incoming fields are checked.
	check.Status = StatusDraft
	if err := check.validate(); err != nil {
		return r, err
	}

	u := ProfileUpdate{Version: version, Name: in.Name, AlternateName: in.AlternateName, Kind: in.Kind,
		Description: in.Description, Mission: in.Mission, FoundedYear: in.FoundedYear, Website: in.Website,
		Email: in.Email, Phone: in.Phone, NewsletterURL: in.NewsletterURL, ThemeSlugs: themeSlugs(in.Themes),
		Countries: in.Countries, SocialLinks: in.SocialLinks, Identifiers: mergeIdentifiers(cur.Identifiers, in.Identifiers)}
	profileFields := profileChanges(&cur.Organisation, &u)
	for _, f := range slices.Sorted(maps.Keys(profileFields)) {
		r.Changed = appendOnce(r.Changed, f)
	}

	var writes []func() error
	var e audit.Entry // the child statements' column lists; the import's entry says what changed

	// Identifiers: added, or given their new value.
	stored := map[string]string{}
	for _, x := range cur.Identifiers {
		stored[x.Scheme] = x.Value
	}
	for _, x := range in.Identifiers {
		if v, ok := stored[x.Scheme]; ok && v == x.Value {
			continue
		}
		r.Changed = appendOnce(r.Changed, "identifiers")
		writes = append(writes, func() error {
			_, err := tx.Exec(ctx, `INSERT INTO organisation_identifiers (organisation_id, scheme, value) VALUES ($1, $2, $3)
				ON CONFLICT (organisation_id, scheme) DO UPDATE SET value = EXCLUDED.value`, id, x.Scheme, x.Value)
			return err
		})
	}

	// Offices: stored ids of the incoming offices, for members and contacts.
	officeIDs := map[int64]int64{}
	curNames := officeNames(cur.Offices)
	for _, f := range in.Offices {
		old := findOffice(cur.Offices, f)
		if old != nil {
			officeIDs[f.ID] = old.ID
			if sameOffice(old, &f) {
				continue
			}
			r.Changed = appendOnce(r.Changed, "offices")
			f.ID, f.Version = old.ID, old.Version
			writes = append(writes, func() error { return saveOffice(ctx, tx, &e, id, &f) })
			continue
		}
		r.Changed = appendOnce(r.Changed, "offices")
		local := f.ID
		writes = append(writes, func() error {
			var err error
			if f.Position, err = nextPosition(ctx, tx, officeChild, id); err != nil {
				return err
			}
			if err := insertOffice(ctx, tx, id, &f); err != nil {
				return officeError(err)
			}
			officeIDs[local] = f.ID
			return nil
		})
	}
	officeName := func(local int64) string { return inNames[local] }

	for _, m := range in.Members {
		old := findMember(cur.Members, m.FullName)
		if old != nil && sameMember(old, &m, curNames[old.OfficeID], officeName(m.OfficeID)) {
			continue
		}
		r.Changed = appendOnce(r.Changed, "members")
		writes = append(writes, func() error {
			m.OfficeID = officeIDs[m.OfficeID]
			if old != nil {
				m.ID, m.Version = old.ID, old.Version
				return saveMember(ctx, tx, &e, id, &m)
			}
			var err error
			if m.Position, err = nextPosition(ctx, tx, memberChild, id); err != nil {
				return err
			}
			_, err = insertMember(ctx, tx, id, &m)
			return officeFKError(err, "office")
		})
	}

	hasDefault := cur.DefaultContactID != 0
	// Published without a default contact, it was imported so
	// (TriageWithoutContact): only a contact its source marks as the
	// default becomes one, as on creation.
	triage := cur.Status == StatusPublished && !hasDefault
	for _, c := range im.Contacts {
		old := findContact(contacts, c.Email)
		if old != nil && sameContact(old, &c, curNames[old.OfficeID], officeName(c.OfficeID)) {
			continue
		}
		r.Changed = appendOnce(r.Changed, "contacts")
		makeDefault := !hasDefault && old == nil && (c.Default || !triage)
		hasDefault = hasDefault || makeDefault
		writes = append(writes, func() error {
			c.OfficeID = officeIDs[c.OfficeID]
			if old != nil {
				c.ID, c.Version, c.Default = old.ID, old.Version, false
				return saveContact(ctx, tx, &e, id, &c)
			}
			c.Default = makeDefault
			return insertContact(ctx, tx, id, &c)
		})
	}

	if len(r.Changed) == 0 {
		return r, nil
	}
	r.Outcome = ImportUpdated
	if !write {
		return r, nil
	}
	if len(profileFields) > 0 {
		// UpdateProfile's own statements, audit entry and index jobs.
		if _, err := s.updateProfileTx(ctx, tx, actor, id, u); err != nil {
			return r, err
		}
	} else if _, err := tx.Exec(ctx, `UPDATE organisations SET version = version + 1, updated_at = now() WHERE id = $1`, id); err != nil {
		return r, err
	}
	for _, w := range writes {
		if err := w(); err != nil {
			return r, err
		}
	}
	if err := audit.Record(ctx, tx, actor, audit.Entry{Action: "organisation.import", EntityType: "organisation",
		EntityID: id, OrganisationID: id, Details: map[string]any{"changed": r.Changed}}); err != nil {
		return r, err
	}
	if len(profileFields) == 0 {
		if err := s.changed(ctx, tx, id); err != nil {
			return r, err
		}
	}
	return r, nil
}

// mergeKept is in with the fields named in keep taken from cur.
func mergeKept(in, cur Organisation, keep []string) Organisation {
	for _, f := range keep {
		switch f {
		case "alternate_name":
			in.AlternateName = cur.AlternateName
		case "description_fr":
			in.Description.FR = cur.Description.FR
		case "description_en":
			in.Description.EN = cur.Description.EN
		case "mission_fr":
			in.Mission.FR = cur.Mission.FR
		case "mission_en":
			in.Mission.EN = cur.Mission.EN
		case "founded_year":
			in.FoundedYear = cur.FoundedYear
		case "website":
			in.Website = cur.Website
		case "email":
			in.Email = cur.Email
		case "phone":
			in.Phone = cur.Phone
		case "newsletter_url":
			in.NewsletterURL = cur.NewsletterURL
		case "themes":
			in.Themes = cur.Themes
		case "countries":
			in.Countries = cur.Countries
		case "social_links":
			in.SocialLinks = cur.SocialLinks
		default:
			// social_NETWORK: that network's link as stored.
			if n, ok := strings.CutPrefix(f, "social_"); ok {
				in.SocialLinks = slices.DeleteFunc(slices.Clone(in.SocialLinks), func(l SocialLink) bool { return l.Network == n })
				for _, l := range cur.SocialLinks {
					if l.Network == n {
						in.SocialLinks = append(in.SocialLinks, l)
					}
				}
			}
		}
	}
	return in
}

func appendOnce(xs []string, x string) []string {
	if slices.Contains(xs, x) {
		return xs
	}
	return append(xs, x)
}

// findOffice is the stored office an incoming one is: the headquarters by
// kind (there is at most one), any other by name.
func findOffice(stored []Office, f Office) *Office {
	for i := range stored {
		if f.Kind == OfficeHeadquarters && stored[i].Kind == OfficeHeadquarters {
			return &stored[i]
		}
	}
	for i := range stored {
		if f.Kind != OfficeHeadquarters && stored[i].Kind != OfficeHeadquarters && stored[i].Name == f.Name {
			return &stored[i]
		}
	}
	return nil
}

func sameOffice(a, b *Office) bool {
	return a.Name == b.Name && a.Kind == b.Kind && a.Address == b.Address && a.PostalCode == b.PostalCode &&
		a.City == b.City && a.Country == b.Country && sameDegrees(a.Latitude, b.Latitude) &&
		sameDegrees(a.Longitude, b.Longitude) && a.OpenedYear == b.OpenedYear && a.Email == b.Email &&
		a.Phone == b.Phone && slices.Equal(uniq(a.Covers), uniq(b.Covers))
}

// sameDegrees compares coordinates as the schema keeps them, to the
// microdegree.
func sameDegrees(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return math.Round(*a*1e6) == math.Round(*b*1e6)
}

func findMember(stored []Member, name string) *Member {
	for i := range stored {
		if stored[i].FullName == name {
			return &stored[i]
		}
	}
	return nil
}

func sameMember(a, b *Member, aOffice, bOffice string) bool {
	return a.RoleTitle == b.RoleTitle && a.Responsibilities == b.Responsibilities && a.Bio == b.Bio &&
		a.JoinedYear == b.JoinedYear && a.Email == b.Email && a.Public == b.Public && aOffice == bOffice
}

func findContact(stored []ContactPoint, email string) *ContactPoint {
	for i := range stored {
		if strings.EqualFold(stored[i].Email, email) {
			return &stored[i]
		}
	}
	return nil
}

func sameContact(a, b *ContactPoint, aOffice, bOffice string) bool {
	return a.Name == b.Name && a.Email == b.Email && a.RoleCode == b.RoleCode && a.Public == b.Public && aOffice == bOffice
}

// mergeIdentifiers is the stored identifiers with the incoming ones added
// or given their new value, scheme by scheme: an import never removes an
// identifier (a profile update writes the whole list).
func mergeIdentifiers(stored, incoming []Identifier) []Identifier {
	out := slices.Clone(stored)
	for _, x := range incoming {
		i := slices.IndexFunc(out, func(y Identifier) bool { return y.Scheme == x.Scheme })
		if i >= 0 {
			out[i].Value = x.Value
			continue
		}
		out = append(out, x)
	}
	return out
}
