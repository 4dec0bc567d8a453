package manage

import (
	"net/http"
	"strconv"

	"github.com/partnerdir/partnerdir/internal/web/kit"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/uploads"
)

// ManagePage is what every /manage page carries.
type ManagePage struct {
	kit.Page
	Org     *directory.Profile
	OrgRole string
	Section string
	kit.Form
	// Saved shows the "saved" confirmation after a redirect.
	Saved bool
	// Rejection is why an admin sent the listing back to draft, if so.
	Rejection *directory.Decision
	// Submitted confirms the listing went to the review queue.
	Submitted bool
	// LogoURL is the address of the organisation's logo, or "".
	LogoURL string
	// Platform says staff or an admin manage the organisation, as the
	// platform team (they are not its members).
	Platform bool
}

func (s *Pages) managePage(c *gin.Context, titleID, section string, st kit.Form) (ManagePage, bool) {
	pg, ok := s.Page(c, titleID, "manage")
	if !ok {
		return ManagePage{}, false
	}
	org := s.ManagedOrg(c)
	pg.Title += " — " + org.Name
	mp := ManagePage{Page: pg, Org: org, OrgRole: kit.OrgRole(c), Section: section,
		Form: st.In(pg.Base), Saved: c.Query("saved") != "",
		Submitted: c.Query("submitted") != "", Platform: kit.OnPlatform(c)}
	if s.up.Owns(uploads.Logos(), org.LogoPath) {
		mp.LogoURL = org.LogoPath
	}
	if org.Status == directory.StatusDraft {
		rej, err := s.dir.Rejections(c.Request.Context(), []int64{org.ID})
		if err != nil {
			s.InternalError(c, err)
			return ManagePage{}, false
		}
		if d, ok := rej[org.ID]; ok {
			mp.Rejection = &d
		}
	}
	return mp, true
}

func themeSlugs(ts []directory.Theme) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Slug
	}
	return out
}

// ManageListPage is the data of /manage: the user's organisations.
type ManageListPage struct {
	kit.Page
	Memberships []accounts.Membership
	// Rejections are the reasons admins gave for rejecting listings that
	// are drafts again, by organisation id.
	Rejections map[int64]directory.Decision
	// NewOffers counts each organisation's new offers, by id.
	NewOffers map[int64]int
}

// ListManagedOrganisations answers GET /manage.
func (s *Pages) ListManagedOrganisations(c *gin.Context) {
	pg, ok := s.Page(c, "manage.list.title", "manage")
	if !ok {
		return
	}
	ms, err := s.acc.Memberships(c.Request.Context(), pg.User.ID)
	if err != nil {
		s.Fail(c, err)
		return
	}
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.OrganisationID
	}
	rejections, err := s.dir.Rejections(c.Request.Context(), ids)
	if err != nil {
		s.Fail(c, err)
		return
	}
	newOffers, err := s.offers.NewCounts(c.Request.Context(), ids)
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.Render(c, http.StatusOK, "manage_list", ManageListPage{Page: pg, Memberships: ms, Rejections: rejections, NewOffers: newOffers})
}

// ProfileForm is the data of the organisation profile form.
type ProfileForm struct {
	ManagePage
	Values    directory.ProfileUpdate
	Kinds     []kit.Option
	Themes    []kit.Option
	Countries []kit.Option
	Social    []kit.Option // Value: network, Label: URL
	// Identifiers are the rows of registrations: the stored ones, then
	// empty rows to add more (up to directory.MaxIdentifiers).
	Identifiers []IdentifierRow
}

// IdentifierRow is one registration's pair of fields.
type IdentifierRow struct {
	Scheme, Value kit.Field
	// Example is a value of the chosen scheme's shape, when it has one.
	Example string
}

// identifierRows draws ids and up to two empty rows.
func (s *Pages) identifierRows(f kit.Form, lang string, ids []directory.Identifier) []IdentifierRow {
	n := min(len(ids)+2, directory.MaxIdentifiers)
	n = max(n, len(ids))
	rows := make([]IdentifierRow, n)
	for i := range rows {
		var id directory.Identifier
		if i < len(ids) {
			id = ids[i]
		}
		var opts []kit.Option
		for _, sc := range directory.IdentifierSchemes() {
			opts = append(opts, kit.Option{Value: sc.Code, Label: sc.Code + " — " + s.Translate(lang, sc.MessageID()), Selected: sc.Code == id.Scheme})
			if sc.Code == id.Scheme && sc.Example != "" {
				rows[i].Example = s.Translate(lang, "identifier.f.example", "Scheme", sc.Code, "Example", sc.Example)
			}
		}
		rows[i].Scheme = f.Select(directory.IdentifierField("scheme", i), "identifier.f.scheme", opts, false)
		rows[i].Value = f.Input("text", directory.IdentifierField("value", i), "identifier.f.value", id.Value)
	}
	return rows
}

// ShowProfileForm answers GET /manage/:org.
func (s *Pages) ShowProfileForm(c *gin.Context) {
	s.showProfileFormWith(c, http.StatusOK, kit.Form{})
}

// showProfileFormWith shows the stored profile with st (a refused logo).
func (s *Pages) showProfileFormWith(c *gin.Context, status int, st kit.Form) {
	org := s.ManagedOrg(c)
	u := directory.ProfileUpdate{Version: org.Version, Name: org.Name, AlternateName: org.AlternateName, Kind: org.Kind,
		Description: org.Description, Mission: org.Mission, FoundedYear: org.FoundedYear, Website: org.Website,
		Email: org.Email, Phone: org.Phone, NewsletterURL: org.NewsletterURL, ThemeSlugs: themeSlugs(org.Themes),
		Countries: org.Countries, SocialLinks: org.SocialLinks, Identifiers: org.Identifiers}
	s.renderProfileForm(c, status, u, st)
}

func (s *Pages) renderProfileForm(c *gin.Context, status int, u directory.ProfileUpdate, st kit.Form) {
	mp, ok := s.managePage(c, "manage.profile.title", "profile", st)
	if !ok {
		return
	}
	p := ProfileForm{ManagePage: mp, Values: u, Countries: s.CountryOptions(mp.Lang, u.Countries),
		Identifiers: s.identifierRows(mp.Form, mp.Lang, u.Identifiers)}
	var err error
	if p.Themes, err = kit.ThemeOptions(c, s.dir, mp.Lang, u.ThemeSlugs); err != nil {
		s.Fail(c, err)
		return
	}
	for _, k := range directory.Kinds() {
		p.Kinds = append(p.Kinds, kit.Option{Value: strconv.Itoa(int(k)), Label: s.Translate(mp.Lang, k.MessageID()), Selected: k == u.Kind})
	}
	for _, n := range directory.SocialNetworks {
		o := kit.Option{Value: n}
		for _, l := range u.SocialLinks {
			if l.Network == n {
				o.Label = l.URL
			}
		}
		p.Social = append(p.Social, o)
	}
	s.Render(c, status, "manage_profile", p)
}

// UpdateProfile answers POST /manage/:org.
func (s *Pages) UpdateProfile(c *gin.Context) {
	org := s.ManagedOrg(c)
	f := kit.NewFormReader(c)
	u := directory.ProfileUpdate{
		Version: f.Int("version"), Name: f.Str("name"), AlternateName: f.Str("alternate_name"),
		Kind:        directory.Kind(f.Int("kind")),
		Description: directory.Localized{FR: f.Str("description_fr"), EN: f.Str("description_en")},
		Mission:     directory.Localized{FR: f.Str("mission_fr"), EN: f.Str("mission_en")},
		FoundedYear: f.Int("founded_year"), Website: f.Str("website"), Email: f.Str("email"), Phone: f.Str("phone"),
		NewsletterURL: f.Str("newsletter_url"), ThemeSlugs: f.Strs("themes"), Countries: f.Strs("countries"),
	}
	for _, n := range directory.SocialNetworks {
		if v := f.Str("social_" + n); v != "" {
			u.SocialLinks = append(u.SocialLinks, directory.SocialLink{Network: n, URL: v})
		}
	}
	// Rows left empty are dropped; the others keep their order, which
	// the redrawn form follows (so a message stays at its row).
	for i := range directory.MaxIdentifiers {
		scheme, value := f.Str(directory.IdentifierField("scheme", i)), f.Str(directory.IdentifierField("value", i))
		if scheme != "" || value != "" {
			u.Identifiers = append(u.Identifiers, directory.Identifier{Scheme: scheme, Value: value})
		}
	}
	err := f.Failed()
	if err == nil {
		_, err = s.dir.UpdateProfile(c.Request.Context(), s.Actor(c), org.ID, u)
	}
	if err == nil {
		kit.RedirectSaved(c, org, "")
		return
	}
	s.FormFailed(c, err, f, func(status int, st kit.Form) { s.renderProfileForm(c, status, u, st) })
}
