package joining

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/postgres"
	"github.com/partnerdir/partnerdir/internal/ratelimit"
)

// ErrSpam means the application tripped the spam guard (a hidden field a
// person never fills).
var ErrSpam = fault.New(fault.RateLimited, "join.limited")

// Application is the "list your organisation" form: the applicant's
// account (unless they are signed in) and the organisation, which starts
// pending and stays off the public site until an admin approves it.
type Application struct {
	// UserID is the signed-in applicant; 0 creates an account from Name,
	// Email and Password.
	UserID   int64
	Name     string
	Email    string
	Password string

	OrgName     string
	Acronym     string
	Kind        directory.Kind
	Website     string
	Countries   []string
	ThemeSlugs  []string
	Description string
	// ContactEmail is the organisation's public address; it becomes the
	// default contact point that receives support offers.
	ContactEmail string

	// Lang is the applicant's language: the description's and the mail's.
	Lang string
	// IP is the client address, for the per-address limit.
	IP string
	// Honeypot is a field hidden from people; bots fill it.
	Honeypot string
}

// Joined is the outcome of an accepted application.
type Joined struct {
	UserID         int64
	OrganisationID int64
	Slug           string
}

const maxDescription = 1000

// validate checks the application's own fields; knownThemes are the theme
// slugs that exist. Field names are the form's.
func (a *Application) validate(knownThemes []string) error {
	var v fault.Fields
	if a.UserID == 0 {
		n := accounts.NewUser{Email: a.Email, Name: a.Name, Password: a.Password}
		v.Merge("", n.Validate())
		if a.Password == "" {
			v.Add("password", "manage.err.required")
		}
	}
	o := a.organisation()
	if oe := fault.FieldsOf(o.Validate()); oe != nil {
		rename := map[string]string{"name": "org_name", "alternate_name": "acronym", "email": "contact_email",
			"description_fr": "description", "description_en": "description", "slug": "org_name"}
		for f, m := range oe {
			if r, ok := rename[f]; ok {
				f = r
			}
			v.Add(f, m)
		}
	}
	if strings.TrimSpace(a.ContactEmail) == "" {
		v.Add("contact_email", "manage.err.required")
	}
	if len(a.Countries) == 0 {
		v.Add("countries", "manage.err.choose_at_least_one_country")
	}
	requiredText(&v, "description", strings.TrimSpace(a.Description), maxDescription)
	for _, t := range a.ThemeSlugs {
		if !slices.Contains(knownThemes, t) {
			v.Add("themes", "manage.err.unknown_theme")
		}
	}
	return v.Err()
}

// organisation is the pending organisation the application describes.
func (a *Application) organisation() directory.Organisation {
	o := directory.Organisation{Slug: Slugify(a.OrgName), Name: strings.TrimSpace(a.OrgName),
		AlternateName: strings.TrimSpace(a.Acronym), Kind: a.Kind, Website: strings.TrimSpace(a.Website),
		Email: strings.TrimSpace(a.ContactEmail), Status: directory.StatusPending, Countries: a.Countries}
	if a.Lang == "en" {
		o.Description.EN = strings.TrimSpace(a.Description)
	} else {
		o.Description.FR = strings.TrimSpace(a.Description)
	}
	return o
}

// Join stores an application in one transaction: the account (unless the
// applicant is signed in) with the mail that proves its address, the
// pending organisation with its default contact point, the applicant's
// owner membership (which takes effect once the address is proven), the
// audit entries and the acknowledgment mail. It returns an Invalid error for bad input,
// ErrEmailTaken when the email already has an account (nothing is
// created: they must sign in), ErrRateLimited after too many applications
// from one address, ErrSpam when the hidden field is filled and
// accounts.ErrBusy when no password-hashing slot is free.
func (s *Store) Join(ctx context.Context, actor audit.Actor, a Application) (Joined, error) {
	if a.Honeypot != "" {
		return Joined{}, ErrSpam
	}
	themes, err := s.dir.Themes(ctx)
	if err != nil {
		return Joined{}, err
	}
	known := make([]string, len(themes))
	for i, t := range themes {
		known[i] = t.Slug
	}
	if err := a.validate(known); err != nil {
		return Joined{}, err
	}
	var user *accounts.User
	if a.UserID != 0 {
		if user, err = s.acc.User(ctx, a.UserID); err != nil {
			return Joined{}, err
		}
	} else if _, err := s.acc.UserByEmail(ctx, a.Email); err == nil {
		return Joined{}, ErrEmailTaken
	} else if !errors.Is(err, fault.ErrNotFound) {
		return Joined{}, err
	}

	var out Joined
	ipHash := s.ips.IP(a.IP)
	taken, err := s.checkRate(ctx, ipHash)
	if err != nil {
		return Joined{}, fmt.Errorf("joining: application for %q: %w", a.OrgName, err)
	}
	err = postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if user == nil {
			id, err := s.acc.CreateUnverifiedUserTx(ctx, tx, actor, accounts.NewUser{Email: a.Email, Name: a.Name, Password: a.Password}, a.Lang)
			if errors.Is(err, fault.ErrConflict) {
				return ErrEmailTaken
			}
			if err != nil {
				return err
			}
			user = &accounts.User{ID: id, Email: strings.TrimSpace(a.Email), Name: strings.TrimSpace(a.Name)}
		}
		out.UserID = user.ID
		// From here on the applicant acts in their own name.
		actor = audit.Actor{UserID: user.ID, Label: user.Email, RequestID: actor.RequestID}
		o := a.organisation()
		slug, err := freeSlug(ctx, tx, o.Slug)
		if err != nil {
			return err
		}
		o.Slug = slug
		n := &directory.NewOrganisation{Organisation: o, ThemeSlugs: a.ThemeSlugs,
			Contacts: []directory.NewContact{{ContactPoint: directory.ContactPoint{Name: o.Name, Email: o.Email,
				RoleCode: 1, Public: true}}}}
		if out.OrganisationID, err = s.dir.CreateTx(ctx, tx, actor, n); err != nil {
			return err
		}
		out.Slug = slug
		if err := s.acc.AddMembershipTx(ctx, tx, actor, user.ID, out.OrganisationID, accounts.OrgOwner); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor, audit.Entry{Action: "organisation.join", EntityType: "organisation",
			EntityID: out.OrganisationID, OrganisationID: out.OrganisationID,
			Details: map[string]any{"slug": slug, "ip_hash": ipHash, "new_account": a.UserID == 0}}); err != nil {
			return err
		}
		_, err = s.outbox.ComposeTx(ctx, tx, joinedMail(user, o.Name, s.baseURL+"/manage/"+slug))
		return err
	})
	if err != nil {
		return Joined{}, fmt.Errorf("joining: application for %q: %w", a.OrgName, s.refundRate(ctx, ipHash, taken, err))
	}
	return out, nil
}

// joinsPerIP bounds the applications and sign-ups of one client address.
func (s *Store) joinsPerIP() ratelimit.Limit {
	return ratelimit.Limit{Name: "join:ip", Max: s.perHour, Window: time.Hour}
}

// checkRate counts a new application or account against the address whose
// pseudonym is ipHash and decides in the same statement, before anything
// is made (or a password hashed): over the limit, ErrRateLimited with when
// to try again. It runs on the pool, outside the transaction that follows,
// so that no row stays locked while a password is hashed.
func (s *Store) checkRate(ctx context.Context, ipHash string) (ratelimit.Decision, error) {
	d, err := s.joinsPerIP().Take(ctx, s.pool, ipHash)
	if err != nil {
		return d, err
	}
	if !d.Allowed {
		return d, fault.Later(ErrRateLimited, d.RetryAfter)
	}
	return d, nil
}

// refundRate gives back the attempt checkRate counted for an application
// or sign-up that failed with err (and changed nothing), and returns err.
func (s *Store) refundRate(ctx context.Context, ipHash string, d ratelimit.Decision, err error) error {
	if rerr := s.joinsPerIP().Refund(ctx, s.pool, ipHash, d); rerr != nil {
		return fmt.Errorf("%w (and %v)", err, rerr)
	}
	return err
}

// NewAccount is the sign-up form: an account on its own, for someone who
// comes to claim an organisation rather than list a new one.
type NewAccount struct {
	Name, Email, Password string
	// IP and Honeypot as in Application.
	IP, Honeypot string
	// Lang is the applicant's language, the verification mail's.
	Lang string
}

// SignUp creates an account with its audit entries and the mail that
// proves its address (the account holds no right until then), and
// returns its id.
// It returns an Invalid error, ErrEmailTaken, ErrRateLimited (shared
// with Join), ErrSpam and accounts.ErrBusy.
func (s *Store) SignUp(ctx context.Context, actor audit.Actor, n NewAccount) (int64, error) {
	if n.Honeypot != "" {
		return 0, ErrSpam
	}
	nu := accounts.NewUser{Name: n.Name, Email: n.Email, Password: n.Password}
	var v fault.Fields
	v.Merge("", nu.Validate())
	if n.Password == "" {
		v.Add("password", "manage.err.required")
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	if _, err := s.acc.UserByEmail(ctx, n.Email); err == nil {
		return 0, ErrEmailTaken
	} else if !errors.Is(err, fault.ErrNotFound) {
		return 0, err
	}
	var id int64
	ipHash := s.ips.IP(n.IP)
	taken, err := s.checkRate(ctx, ipHash)
	if err != nil {
		return 0, fmt.Errorf("joining: sign up %s: %w", n.Email, err)
	}
	err = postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		id, err = s.acc.CreateUnverifiedUserTx(ctx, tx, actor, nu, n.Lang)
		if errors.Is(err, fault.ErrConflict) {
			return ErrEmailTaken
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Actor{UserID: id, Label: strings.TrimSpace(n.Email), RequestID: actor.RequestID},
			audit.Entry{Action: "user.signup", EntityType: "user", EntityID: id, Details: map[string]any{"ip_hash": ipHash}})
	})
	if err != nil {
		return 0, fmt.Errorf("joining: sign up %s: %w", n.Email, s.refundRate(ctx, ipHash, taken, err))
	}
	return id, nil
}

// freeSlug returns base, or base with the first free numeric suffix. The
// advisory lock makes two applications for the same name queue up instead
// of colliding.
func freeSlug(ctx context.Context, tx pgx.Tx, base string) (string, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('organisation-slug:' || $1))`, base); err != nil {
		return "", err
	}
	slug := base
	for i := 2; ; i++ {
		var taken bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM organisations WHERE slug = $1)`, slug).Scan(&taken); err != nil {
			return "", err
		}
		if !taken {
			return slug, nil
		}
		slug = fmt.Sprintf("%s-%d", base, i)
	}
}

// Slugify makes a URL name from an organisation's name: accents dropped,
// lower case, words joined by dashes, at most 60 characters;
// "organisation" for a name with no letter or digit.
func Slugify(name string) string {
	return cmp.Or(directory.Slugify(name, 60), "organisation")
}

// requiredText adds to v the error of field's text s (already trimmed):
// empty, or longer than max characters.
func requiredText(v *fault.Fields, field, s string, max int) {
	switch {
	case s == "":
		v.Add(field, "manage.err.required")
	case utf8.RuneCountInString(s) > max:
		v.Add(field, "manage.err.too_long")
	}
}
