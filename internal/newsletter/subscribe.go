package newsletter

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/postgres"
	"github.com/partnerdir/partnerdir/internal/ratelimit"
)

// Request is a sign-up as the form sends it. No theme, country or
// organisation at all means every article.
type Request struct {
	Email string
	// Lang is the digest's language, "fr" or "en".
	Lang   string
	Themes []string // theme slugs
	// Countries are ISO 3166-1 codes.
	Countries []string
	// Organisations are published organisations, each given by its slug,
	// the address of its profile or its exact name.
	Organisations []string
	// IP is the client address, for the per-address limit (never stored).
	IP string
	// Honeypot is a form field hidden from people: a sign-up that fills
	// it is a bot's, answered as any other and dropped.
	Honeypot string
}

// choices are a request's choices resolved to ids, as stored in
// `requested` until the link is used.
type choices struct {
	Lang            string   `json:"lang"`
	ThemeIDs        []int64  `json:"theme_ids"`
	CountryCodes    []string `json:"country_codes"`
	OrganisationIDs []int64  `json:"organisation_ids"`
}

// normalEmail is the address as stored: trimmed, lower case.
func normalEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// resolve checks r and turns its choices into ids. It returns an Invalid
// error naming each wrong field (the first unknown value of a list).
func (s *Store) resolve(ctx context.Context, r Request) (string, choices, error) {
	var v fault.Fields
	var value string
	email := normalEmail(r.Email)
	switch {
	case email == "":
		v.Add("email", "newsletter.err.email_required")
	case !directory.ValidEmail(email):
		v.Add("email", "newsletter.err.email_invalid")
	}
	c := choices{Lang: r.Lang, ThemeIDs: []int64{}, CountryCodes: []string{}, OrganisationIDs: []int64{}}
	if c.Lang != "fr" && c.Lang != "en" {
		v.Add("lang", "newsletter.err.lang")
	}
	themes, countries, orgs := dedupe(r.Themes), dedupe(r.Countries), dedupe(r.Organisations)
	if len(orgs) > MaxOrganisations {
		v.Add("organisations", "newsletter.err.too_many_organisations")
		orgs = nil
	}
	if len(themes) > 0 {
		rows, _ := s.pool.Query(ctx, `SELECT slug, id FROM themes WHERE slug = ANY($1)`, themes)
		known, err := collectMap[int64](rows)
		if err != nil {
			return "", c, fmt.Errorf("newsletter: themes: %w", err)
		}
		for _, t := range themes {
			id, ok := known[t]
			if !ok {
				v.Add("themes", "newsletter.err.unknown_theme")
				continue
			}
			c.ThemeIDs = append(c.ThemeIDs, id)
		}
	}
	if len(countries) > 0 {
		rows, _ := s.pool.Query(ctx, `SELECT code::text, code::text FROM countries WHERE code = ANY($1)`, countries)
		known, err := collectMap[string](rows)
		if err != nil {
			return "", c, fmt.Errorf("newsletter: countries: %w", err)
		}
		for _, code := range countries {
			if _, ok := known[code]; !ok || !directory.ValidCountry(code) {
				v.Add("countries", "newsletter.err.unknown_country")
				continue
			}
			c.CountryCodes = append(c.CountryCodes, code)
		}
	}
	if len(orgs) > 0 {
		ids, unknown, err := s.organisations(ctx, orgs)
		if err != nil {
			return "", c, err
		}
		if unknown != "" {
			v.Add("organisations", "newsletter.err.unknown_organisation")
			value = unknown
		}
		c.OrganisationIDs = ids
	}
	if err := v.Err(); err != nil {
		if value != "" {
			err.(*fault.Error).Value = value
		}
		return "", c, err
	}
	slices.Sort(c.ThemeIDs)
	slices.Sort(c.CountryCodes)
	slices.Sort(c.OrganisationIDs)
	return email, c, nil
}

// Organisation is a published organisation a subscriber may choose.
type Organisation struct {
	Slug string
	Name string
}

// Organisations returns the published organisations among slugs (at most
// MaxOrganisations are looked up), by name: the choices a form shows
// checked.
func (s *Store) Organisations(ctx context.Context, slugs []string) ([]Organisation, error) {
	slugs = dedupe(slugs)
	if len(slugs) > MaxOrganisations {
		slugs = slugs[:MaxOrganisations]
	}
	rows, _ := s.pool.Query(ctx, `SELECT slug, name FROM organisations WHERE status = 'published' AND slug = ANY($1) ORDER BY name, slug`, slugs)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Organisation])
	if err != nil {
		return nil, fmt.Errorf("newsletter: organisations: %w", err)
	}
	return out, nil
}

// organisations finds the published organisations named by refs (slug,
// profile address or exact name) and returns their ids, or the first
// reference that names none.
func (s *Store) organisations(ctx context.Context, refs []string) ([]int64, string, error) {
	slugs, names := make([]string, len(refs)), make([]string, len(refs))
	for i, ref := range refs {
		slugs[i], names[i] = slugOf(ref), strings.ToLower(ref)
	}
	rows, _ := s.pool.Query(ctx, `
		SELECT slug, lower(name), id FROM organisations
		WHERE status = 'published' AND (slug = ANY($1) OR lower(name) = ANY($2))`, slugs, names)
	bySlug, byName := map[string]int64{}, map[string]int64{}
	var slug, name string
	var id int64
	if _, err := pgx.ForEachRow(rows, []any{&slug, &name, &id}, func() error {
		bySlug[slug], byName[name] = id, id
		return nil
	}); err != nil {
		return nil, "", fmt.Errorf("newsletter: organisations: %w", err)
	}
	var ids []int64
	for i, ref := range refs {
		id, ok := bySlug[slugs[i]]
		if !ok {
			id, ok = byName[names[i]]
		}
		if !ok {
			return nil, ref, nil
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, "", nil
}

// slugOf is the slug in a profile's address (https://…/organisations/SLUG),
// or ref itself.
func slugOf(ref string) string {
	if u, err := url.Parse(ref); err == nil && u.Host != "" {
		if rest, ok := strings.CutPrefix(strings.TrimSuffix(u.Path, "/"), "/organisations/"); ok && !strings.Contains(rest, "/") {
			return rest
		}
	}
	return strings.ToLower(ref)
}

func dedupe(xs []string) []string {
	var out []string
	for _, x := range xs {
		if x = strings.TrimSpace(x); x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// collectMap reads rows of (key, value) into a map.
func collectMap[V any](rows pgx.Rows) (map[string]V, error) {
	out := map[string]V{}
	var k string
	var v V
	_, err := pgx.ForEachRow(rows, []any{&k, &v}, func() error {
		out[k] = v
		return nil
	})
	return out, err
}

// Limits' names in rate_limits.
func (s *Store) perIP() ratelimit.Limit {
	return ratelimit.Limit{Name: "newsletter:ip", Max: s.limits.PerIP, Window: s.limits.Window}
}

func (s *Store) perEmail() ratelimit.Limit {
	return ratelimit.Limit{Name: "newsletter:email", Max: s.limits.PerEmail, Window: s.limits.Window}
}

// Subscribe records a sign-up and mails its confirmation link, in one
// transaction. A new address becomes a pending subscription; a known one
// (pending or confirmed) keeps its row, and what r asks for waits for the
// new link, which replaces any earlier one. The caller's answer must be
// the same in every case: the result does not say which it was.
//
// It returns an Invalid error for bad input (nothing is stored or
// counted), and ErrRateLimited with when to try again after too many
// sign-ups from r.IP or for the address. Both limits count the attempt
// before anything is written, in one statement each. A sign-up with the
// honeypot filled does nothing and returns nil.
func (s *Store) Subscribe(ctx context.Context, actor audit.Actor, r Request) error {
	email, c, err := s.resolve(ctx, r)
	if err != nil || r.Honeypot != "" {
		return err
	}
	for _, l := range []struct {
		limit   ratelimit.Limit
		subject string
	}{{s.perIP(), s.ips.IP(r.IP)}, {s.perEmail(), s.ips.Key("newsletter", email)}} {
		d, err := l.limit.Take(ctx, s.pool, l.subject)
		if err != nil {
			return fmt.Errorf("newsletter: subscribe: %w", err)
		}
		if !d.Allowed {
			return fault.Later(ErrRateLimited, d.RetryAfter)
		}
	}
	token := newToken()
	requested, _ := json.Marshal(c) // ids and codes only: never fails
	return postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `
			INSERT INTO newsletter_subscribers AS s (email, lang, requested, token_hash, token_expires_at)
			VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))
			ON CONFLICT (email) WHERE email IS NOT NULL DO UPDATE SET
				requested = EXCLUDED.requested, token_hash = EXCLUDED.token_hash,
				token_expires_at = EXCLUDED.token_expires_at, requested_at = now(), updated_at = now()
			RETURNING s.id`, email, c.Lang, requested, hashToken(token), LinkLifetime.Seconds()).Scan(&id)
		if err != nil {
			return fmt.Errorf("newsletter: subscribe: %w", err)
		}
		if _, err := s.outbox.ComposeTx(ctx, tx, mail.Mail{Name: PurposeConfirm, Langs: []string{c.Lang},
			To: mail.Address{Email: email}, ForgetWhenSent: true,
			Data: ConfirmMail{Link: s.baseURL + "/newsletter/confirm?token=" + token, Hours: int(LinkLifetime.Hours()),
				Themes: len(c.ThemeIDs), Countries: len(c.CountryCodes), Organisations: len(c.OrganisationIDs)}}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: "subscriber.subscribe", EntityType: "newsletter_subscriber",
			EntityID: id, Details: map[string]any{"ip_hash": s.ips.IP(r.IP)}})
	})
}

// ConfirmMail is what the confirmation mail tells: the link, how long it
// works, and how many choices it confirms (0 everywhere: every article).
type ConfirmMail struct {
	Link                             string
	Hours                            int
	Themes, Countries, Organisations int
}

func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// CheckLink returns ErrLinkInvalid unless token is a confirmation link
// that still works (for the page that shows the button).
func (s *Store) CheckLink(ctx context.Context, token string) error {
	if token == "" || len(token) > 100 {
		return ErrLinkInvalid
	}
	var ok bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM newsletter_subscribers
		WHERE token_hash = $1 AND token_expires_at > now())`, hashToken(token)).Scan(&ok); err != nil {
		return fmt.Errorf("newsletter: check link: %w", err)
	}
	if !ok {
		return ErrLinkInvalid
	}
	return nil
}

// Confirm uses a confirmation link: the subscription is confirmed (if it
// was pending) and takes the language and choices the link was mailed
// for; the link stops working. A first confirmation starts the digests
// with the articles of the current period. It returns ErrLinkInvalid for
// a link unknown, used or expired; nothing changes then.
func (s *Store) Confirm(ctx context.Context, actor audit.Actor, token string) error {
	if token == "" || len(token) > 100 {
		return ErrLinkInvalid
	}
	since := s.schedule.Start(s.now())
	return postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var id int64
		var first bool
		err := tx.QueryRow(ctx, `
			UPDATE newsletter_subscribers SET
				status = 'confirmed', lang = requested->>'lang',
				theme_ids = ARRAY(SELECT jsonb_array_elements_text(requested->'theme_ids')::bigint),
				country_codes = ARRAY(SELECT jsonb_array_elements_text(requested->'country_codes')),
				organisation_ids = ARRAY(SELECT jsonb_array_elements_text(requested->'organisation_ids')::bigint),
				confirmed_at = COALESCE(confirmed_at, now()), digest_since = COALESCE(digest_since, $2),
				requested = NULL, token_hash = NULL, token_expires_at = NULL, updated_at = now()
			WHERE token_hash = $1 AND token_expires_at > now()
			RETURNING id, confirmed_at = now()`, hashToken(token), since).Scan(&id, &first)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrLinkInvalid
		}
		if err != nil {
			return fmt.Errorf("newsletter: confirm: %w", err)
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: "subscriber.confirm", EntityType: "newsletter_subscriber",
			EntityID: id, Details: map[string]any{"first": first}})
	})
}
