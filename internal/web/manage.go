package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
)

// Context keys set by requireMembership.
const (
	ctxOrg     = "manage_org"
	ctxOrgRole = "manage_org_role"
)

// requireMembership lets members (owners and editors) of the organisation
// named by the :org parameter through, with its full profile in the
// context. Anyone else gets 404, the same answer as for an unknown
// organisation, so the pages reveal nothing. Platform staff are not
// members and cannot edit profiles here.
func (s *Server) requireMembership(c *gin.Context) {
	u := s.currentUser(c)
	if u == nil {
		s.requireUser(c)
		return
	}
	slug := c.Param("org")
	if !directory.ValidSlug(slug) {
		s.fail(c, fault.ErrNotFound)
		return
	}
	ctx := c.Request.Context()
	p, err := s.dir.Profile(ctx, slug, directory.ProfileOptions{Unpublished: true, Private: true})
	if err != nil {
		s.fail(c, err)
		c.Abort()
		return
	}
	role, err := s.acc.Role(ctx, u.ID, p.ID)
	if err != nil {
		s.fail(c, err)
		c.Abort()
		return
	}
	c.Set(ctxOrg, p)
	c.Set(ctxOrgRole, role)
	c.Next()
}

func (s *kit) managedOrg(c *gin.Context) *directory.Profile {
	return c.MustGet(ctxOrg).(*directory.Profile)
}

// ManagePage is what every /manage page carries.
type ManagePage struct {
	Page
	Org     *directory.Profile
	OrgRole string
	Section string
	Form
	// Saved shows the "saved" confirmation after a redirect.
	Saved bool
	// Rejection is why an admin sent the listing back to draft, if so.
	Rejection *directory.Decision
	// Submitted confirms the listing went to the review queue.
	Submitted bool
}

func (s *managePages) managePage(c *gin.Context, titleID, section string, st Form) (ManagePage, bool) {
	pg, ok := s.page(c, titleID, "manage")
	if !ok {
		return ManagePage{}, false
	}
	org := s.managedOrg(c)
	pg.Title += " — " + org.Name
	mp := ManagePage{Page: pg, Org: org, OrgRole: c.GetString(ctxOrgRole), Section: section,
		Form: st.in(pg.Base), Saved: c.Query("saved") != "",
		Submitted: c.Query("submitted") != ""}
	if org.Status == directory.StatusDraft {
		rej, err := s.dir.Rejections(c.Request.Context(), []int64{org.ID})
		if err != nil {
			s.internalError(c, err)
			return ManagePage{}, false
		}
		if d, ok := rej[org.ID]; ok {
			mp.Rejection = &d
		}
	}
	return mp, true
}

// pathID reads a numeric id from the path; a bad one is a 404.
func (s *kit) pathID(c *gin.Context, name string) (int64, bool) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		s.fail(c, fault.ErrNotFound)
		return 0, false
	}
	return id, true
}

func (s *kit) countryOptions(lang string, selected []string) []Option {
	out := make([]Option, 0, len(s.countries))
	for code, c := range s.countries {
		out = append(out, Option{Value: code, Label: c.Name(lang), Selected: slices.Contains(selected, code)})
	}
	slices.SortFunc(out, func(a, b Option) int { return strings.Compare(a.Label, b.Label) })
	return out
}

// themeOptions are the directory's themes as choices, selected ones
// checked.
func themeOptions(c *gin.Context, dir *directory.Store, lang string, selected []string) ([]Option, error) {
	themes, err := dir.Themes(c.Request.Context())
	if err != nil {
		return nil, err
	}
	out := make([]Option, len(themes))
	for i, t := range themes {
		out[i] = Option{Value: t.Slug, Label: t.Name(lang), Selected: slices.Contains(selected, t.Slug)}
	}
	return out, nil
}

func themeSlugs(ts []directory.Theme) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Slug
	}
	return out
}

// redirectSaved goes back to a section of the organisation's pages with
// the "saved" confirmation.
func redirectSaved(c *gin.Context, org *directory.Profile, section string) {
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/manage/%s%s?saved=1", org.Slug, section))
}

// ManageListPage is the data of /manage: the user's organisations.
type ManageListPage struct {
	Page
	Memberships []accounts.Membership
	// Rejections are the reasons admins gave for rejecting listings that
	// are drafts again, by organisation id.
	Rejections map[int64]directory.Decision
}

func (s *managePages) listManagedOrganisations(c *gin.Context) {
	pg, ok := s.page(c, "manage.list.title", "manage")
	if !ok {
		return
	}
	ms, err := s.acc.Memberships(c.Request.Context(), pg.User.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.OrganisationID
	}
	rejections, err := s.dir.Rejections(c.Request.Context(), ids)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "manage_list", ManageListPage{Page: pg, Memberships: ms, Rejections: rejections})
}

// ProfileForm is the data of the organisation profile form.
type ProfileForm struct {
	ManagePage
	Values    directory.ProfileUpdate
	Kinds     []Option
	Themes    []Option
	Countries []Option
	Social    []Option // Value: network, Label: URL
}

func (s *managePages) showProfileForm(c *gin.Context) {
	s.showProfileFormWith(c, http.StatusOK, Form{})
}

// showProfileFormWith shows the stored profile with st (a refused logo).
func (s *managePages) showProfileFormWith(c *gin.Context, status int, st Form) {
	org := s.managedOrg(c)
	u := directory.ProfileUpdate{Version: org.Version, Name: org.Name, AlternateName: org.AlternateName, Kind: org.Kind,
		Description: org.Description, Mission: org.Mission, FoundedYear: org.FoundedYear, Website: org.Website,
		Email: org.Email, Phone: org.Phone, NewsletterURL: org.NewsletterURL, ThemeSlugs: themeSlugs(org.Themes),
		Countries: org.Countries, SocialLinks: org.SocialLinks}
	s.renderProfileForm(c, status, u, st)
}

func (s *managePages) renderProfileForm(c *gin.Context, status int, u directory.ProfileUpdate, st Form) {
	mp, ok := s.managePage(c, "manage.profile.title", "profile", st)
	if !ok {
		return
	}
	p := ProfileForm{ManagePage: mp, Values: u, Countries: s.countryOptions(mp.Lang, u.Countries)}
	var err error
	if p.Themes, err = themeOptions(c, s.dir, mp.Lang, u.ThemeSlugs); err != nil {
		s.fail(c, err)
		return
	}
	for _, k := range directory.Kinds() {
		p.Kinds = append(p.Kinds, Option{Value: strconv.Itoa(int(k)), Label: s.tr.T(mp.Lang, k.MessageID()), Selected: k == u.Kind})
	}
	for _, n := range directory.SocialNetworks {
		o := Option{Value: n}
		for _, l := range u.SocialLinks {
			if l.Network == n {
				o.Label = l.URL
			}
		}
		p.Social = append(p.Social, o)
	}
	s.render(c, status, "manage_profile", p)
}

func (s *managePages) updateProfile(c *gin.Context) {
	org := s.managedOrg(c)
	f := newFormReader(c)
	u := directory.ProfileUpdate{
		Version: f.int("version"), Name: f.str("name"), AlternateName: f.str("alternate_name"),
		Kind:        directory.Kind(f.int("kind")),
		Description: directory.Localized{FR: f.str("description_fr"), EN: f.str("description_en")},
		Mission:     directory.Localized{FR: f.str("mission_fr"), EN: f.str("mission_en")},
		FoundedYear: f.int("founded_year"), Website: f.str("website"), Email: f.str("email"), Phone: f.str("phone"),
		NewsletterURL: f.str("newsletter_url"), ThemeSlugs: f.strs("themes"), Countries: f.strs("countries"),
	}
	for _, n := range directory.SocialNetworks {
		if v := f.str("social_" + n); v != "" {
			u.SocialLinks = append(u.SocialLinks, directory.SocialLink{Network: n, URL: v})
		}
	}
	err := f.failed()
	if err == nil {
		_, err = s.dir.UpdateProfile(c.Request.Context(), s.actor(c), org.ID, u)
	}
	if err == nil {
		redirectSaved(c, org, "")
		return
	}
	s.formFailed(c, err, f, func(status int, st Form) { s.renderProfileForm(c, status, u, st) })
}
