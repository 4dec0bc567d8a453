package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/uploads"
	"github.com/partnerdir/partnerdir/internal/web/api"
)

// oneClickPattern is the one request the cross-origin check lets through:
// RFC 8058's one-click unsubscription (see the newsletter's routes).
const oneClickPattern = "POST /newsletter/unsubscribe"

// Handler returns the HTTP handler with every route. Middleware order:
// recovery, request id + logger, access log, security headers, body limit,
// language, session (no-store for a signed-in user), CSRF, compression.
func (s *Server) Handler() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	// Only the configured proxies may set the client address; by default
	// nobody can, so a forged X-Forwarded-For changes nothing.
	if err := r.SetTrustedProxies(s.proxies); err != nil {
		s.log.Error("invalid trusted proxies; trusting none", "err", err)
		_ = r.SetTrustedProxies(nil)
	}
	// Partner news: the article form carries its pictures (cover,
	// illustration), so its body may be larger.
	pictureForms := map[string]bool{"/manage/:org/news/new": true, "/manage/:org/news/:id": true}
	// Bulk import (issue 13): the uploaded CSV, up to MaxImportUploadBytes.
	pictureForms["/admin/import"] = true
	// Outermost, so a request's duration and status include every layer
	// (metrics.go: by route pattern, never the raw URL).
	r.Use(s.measure)
	r.Use(s.requestID, s.recovery, s.accessLog, s.securityHeaders, s.limitBody(pictureForms), s.language)
	// CSRF, two layers on every unsafe request: the browser's word that it
	// comes from this site, then the session's form token.
	r.Use(s.loadSession, s.noStoreSignedIn, s.refuseCrossOrigin)
	// Compression, once a signed-in user's answers are known to be
	// private (compress.go: BREACH).
	r.Use(s.compress)
	// A merged organisation's addresses answer 301 to the one kept (merged.go).
	r.Use(s.followMerges)
	// Every route but the offer form's POST is registered on w, which
	// checks the form token; the offer form checks it itself and, refused,
	// shows the donor their filled form again.
	w := r.Group("", s.checkFormToken)
	r.POST("/organisations/:slug/offer", s.noStore, s.formTokenOr(s.donor.RefuseOfferToken), s.donor.SubmitOffer)
	// Private routes (and the offer form's POST above): every response is
	// Cache-Control: no-store, signed in or not — the account, management,
	// staff and admin areas, the forms that carry the session's token, the
	// token pages. Public pages are registered on w and keep their caching;
	// noStoreSignedIn covers them for a signed-in user.
	p := w.Group("", s.noStore)

	w.GET("/healthz", s.healthz)
	w.GET("/readyz", s.readyz)
	w.GET("/static/*file", s.static)
	w.GET("/lang", s.switchLanguage)
	w.GET("/robots.txt", s.public.ShowRobots)
	w.GET("/sitemap.xml", s.public.ShowSitemap)
	w.GET("/sitemaps/:file", s.public.ShowSitemapPage)

	// Anonymous visitors' pages are kept rendered (pagecache.go): a write
	// on any instance invalidates them.
	list := s.cachePage
	w.GET("/", list, s.public.ShowHome)
	w.GET("/organisations", list, s.public.ListOrganisations)
	w.GET("/organisations/:slug", list, s.public.ShowOrganisation)
	w.GET("/organisations/:slug/projects/:project", list, s.public.ShowProject)
	w.GET("/countries/:code", list, s.public.ShowCountry)
	// Partner news (issue 12): the list, an article, theme pages, and Atom
	// feeds, kept like pages with their ETag (a hit answers If-None-Match
	// too).
	w.GET("/news", list, s.public.ListNews)
	w.GET("/news/:slug", list, s.public.ShowArticle)
	w.GET("/themes", list, s.public.ListThemes)
	w.GET("/themes/:slug", list, s.public.ShowTheme)
	w.GET("/news.atom", list, s.public.NewsFeed)
	w.GET("/organisations/:slug/news.atom", list, s.public.OrganisationFeed)
	// An organisation's document, at its stable address: a public one for
	// anyone, a private one for its members and staff (else a 404).
	w.GET("/organisations/:slug/documents/:id", s.serveDocument)
	w.GET("/themes/:slug/news.atom", list, s.public.ThemeFeed)
	w.GET("/countries/:code/news.atom", list, s.public.CountryFeed)
	w.GET("/privacy", s.donor.ShowPrivacy)

	// A token bucket per client address (in memory, for this instance).
	w.GET("/search", s.limitSearch, s.public.SearchOrganisations)

	p.GET("/organisations/:slug/offer", s.donor.ShowOfferForm)
	p.GET("/organisations/:slug/offer/sent", s.donor.ShowOfferSent)
	// The donor's private status link (issue 14): no account, a signed
	// token in the query string (kept out of the access log's path).
	p.GET("/offers/status", s.donor.ShowOfferStatus)

	// Triage of offers by platform staff and admins.
	staff := p.Group("/staff", s.requireStaff)
	staff.GET("/offers", s.inbox.ListStaffOffers)
	staff.GET("/offers.csv", s.inbox.ExportStaffOffers)
	staff.POST("/offers/spam", s.inbox.MarkOffersSpam)
	staff.GET("/offers/:id", s.inbox.ShowStaffOffer)
	staff.POST("/offers/:id/status", s.inbox.ChangeOfferStatus)
	staff.POST("/offers/:id/notes", s.inbox.AddOfferNote)
	staff.POST("/offers/:id/assign", s.inbox.AssignOffer)
	staff.POST("/offers/:id/reroute", s.inbox.RerouteOffer)
	staff.GET("/dashboard", s.inbox.ShowStaffDashboard)
	// Partner news: the review queue (oldest first) and staff's decisions.
	staff.GET("/news", s.inbox.ListReviewQueue)
	staff.GET("/news/:id", s.inbox.ShowReviewArticle)
	staff.POST("/news/:id/approve", s.inbox.ApproveArticle)
	staff.POST("/news/:id/send-back", s.inbox.SendBackArticle)
	staff.POST("/news/:id/withdraw", s.inbox.WithdrawArticle)

	// GDPR requests about a donor's data: admins only.
	donors := p.Group("/admin/donors", s.requireAdmin)
	donors.GET("", s.admin.ShowAdminDonors)
	donors.POST("/export", s.admin.ExportDonor)
	donors.POST("/erase", s.admin.EraseDonor)

	// Platform administration: the review of organisations, users and
	// their roles. Admins only, with two-factor authentication.
	admin := p.Group("/admin", s.requireAdmin)
	admin.GET("", s.admin.ShowAdminHome)
	admin.GET("/organisations", s.admin.ListAdminOrganisations)
	admin.GET("/organisations/:id", s.admin.ShowAdminOrganisation)
	for _, d := range []string{directory.DecisionApprove, directory.DecisionReject, directory.DecisionSuspend,
		directory.DecisionReinstate, directory.DecisionVerify, directory.DecisionUnverify} {
		admin.POST("/organisations/:id/"+d, s.admin.DecideOrganisation(d))
	}
	// Merging a duplicate: the preview (a merge rolled back), then the merge.
	admin.GET("/organisations/:id/merge", s.admin.ShowMerge)
	admin.POST("/organisations/:id/merge", s.admin.MergeOrganisation)
	admin.GET("/users", s.admin.ListAdminUsers)
	admin.GET("/users/:id", s.admin.ShowAdminUser)
	// Partner news: an organisation trusted for news publishes without review.
	admin.POST("/organisations/:id/news-trust", s.admin.SetNewsTrusted)
	admin.POST("/users/:id/role", s.admin.SetUserRole)
	admin.POST("/users/:id/disable", s.admin.SetUserDisabled(true))
	admin.POST("/users/:id/enable", s.admin.SetUserDisabled(false))
	admin.POST("/users/:id/sessions/revoke", s.admin.RevokeUserSessions)
	admin.POST("/users/:id/memberships", s.admin.AddUserMembership)
	admin.POST("/users/:id/memberships/:org/role", s.admin.ChangeUserMembership)
	admin.POST("/users/:id/memberships/:org/delete", s.admin.RemoveUserMembership)
	admin.POST("/users/:id/erase", s.admin.EraseUser)
	// Bulk import of organisations: upload a CSV and see its dry run, then
	// confirm to import that very file, once.
	admin.GET("/import", s.imports.ShowImport)
	admin.POST("/import", s.imports.CheckImport)
	admin.POST("/import/:id/confirm", s.imports.ConfirmImport)

	// An organisation's members follow up its offers, and nobody
	// else's (another organisation's offer is a 404).
	mine := p.Group("/manage/offers", s.requireUser)
	mine.GET("", s.inbox.ListMemberOffers)
	mine.GET("/:id", s.inbox.ShowMemberOffer)
	mine.POST("/:id/status", s.inbox.ChangeMemberOfferStatus)
	mine.POST("/:id/notes", s.inbox.AddMemberOfferNote)
	p.GET("/manage/offers.csv", s.requireUser, s.inbox.ExportMemberOffers)

	p.GET("/login", s.accounts.ShowLogin)
	p.POST("/login", s.accounts.Login)
	p.POST("/logout", s.accounts.Logout)
	p.GET("/login/2fa", s.accounts.ShowSecondFactor)
	// Uploaded pictures, one folder per kind (logos, articles' pictures).
	for _, k := range uploads.Kinds() {
		w.GET(s.uploads.URLDir(k)+":name", s.serveUpload(k))
	}
	p.POST("/login/2fa", s.accounts.VerifySecondFactor)
	p.GET("/password/forgot", s.accounts.ShowForgotPassword)
	p.POST("/password/forgot", s.accounts.RequestPasswordReset)
	p.GET("/password/reset", s.accounts.ShowTokenForm(false))
	p.POST("/password/reset", s.accounts.RedeemToken(false))
	p.GET("/invitation", s.accounts.ShowTokenForm(true))
	p.POST("/invitation", s.accounts.RedeemToken(true))
	// An invitation of an account that exists waits until that account,
	// signed in, accepts it through the mailed link.
	p.GET("/invitation/accept", s.requireUser, s.accounts.ShowInvitation)
	p.POST("/invitation/accept", s.requireUser, s.accounts.AcceptInvitation)

	account := p.Group("/account", s.requireUser)
	// The account at a glance, and the proof of its address: the link
	// mailed at sign-up (or again on request), used signed in.
	account.GET("", s.accounts.ShowAccount)
	account.POST("/verify/resend", s.accounts.ResendVerification)
	account.GET("/verify", s.accounts.ShowVerifyLink)
	account.POST("/verify", s.accounts.VerifyEmail)
	account.GET("/sessions", s.accounts.ListSessions)
	account.POST("/sessions/end-all", s.accounts.EndAllSessions)
	account.POST("/sessions/:key/end", s.accounts.EndSession)
	account.GET("/password", s.accounts.ShowChangePassword)
	account.POST("/password", s.accounts.ChangePassword)
	account.GET("/2fa", s.accounts.ShowTwoFactor)
	account.POST("/2fa", s.accounts.EnableTwoFactor)
	account.POST("/2fa/disable", s.accounts.DisableTwoFactor)
	account.GET("/delete", s.accounts.ShowDeleteAccount)
	account.POST("/delete", s.accounts.DeleteAccount)

	// Self-service: members (owners, editors) of an organisation edit
	// its profile; everyone else gets 404 from requireMembership.
	manage := p.Group("/manage", s.requireUser)
	manage.GET("", s.manage.ListManagedOrganisations)
	org := manage.Group("/:org", s.requireMembership)
	org.GET("", s.manage.ShowProfileForm)
	org.POST("", s.manage.UpdateProfile)
	offices, team, projects, contacts := s.manage.Offices(), s.manage.Team(), s.manage.Projects(), s.manage.Contacts()
	org.GET("/offices", offices.List)
	org.GET("/offices/new", offices.NewForm)
	org.POST("/offices/new", offices.Create)
	org.GET("/offices/:id", offices.Edit)
	org.POST("/offices/:id", offices.Update)
	org.POST("/offices/:id/delete", offices.Remove)
	org.GET("/team", team.List)
	org.GET("/team/new", team.NewForm)
	org.POST("/team/new", team.Create)
	org.GET("/team/:id", team.Edit)
	org.POST("/team/:id", team.Update)
	org.POST("/team/:id/delete", team.Remove)
	org.POST("/team/:id/move", s.manage.MoveMember)
	org.GET("/projects", projects.List)
	org.GET("/projects/new", projects.NewForm)
	org.POST("/projects/new", projects.Create)
	org.GET("/projects/:id", projects.Edit)
	org.POST("/projects/:id", projects.Update)
	org.POST("/projects/:id/delete", projects.Remove)
	org.GET("/contacts", s.manage.ListContacts)
	org.GET("/contacts/new", contacts.NewForm)
	org.POST("/contacts/new", contacts.Create)
	org.GET("/contacts/:id", contacts.Edit)
	org.POST("/contacts/:id", contacts.Update)
	org.POST("/contacts/:id/delete", contacts.Remove)
	org.POST("/rules", s.manage.CreateRule)
	org.POST("/rules/:id/delete", s.manage.DeleteRule)
	org.POST("/reviewed", s.joining.ConfirmReviewed)
	org.GET("/access", s.manage.ListAccess)
	org.POST("/access", s.manage.InviteMember)
	org.POST("/submit", s.manage.SubmitForReview)
	org.POST("/logo", s.manage.UploadLogo)
	// Documents (PDF): listed, uploaded (the body may reach
	// MaxDocumentFormBytes), deleted.
	org.GET("/documents", s.manage.ListDocuments)
	org.POST("/documents", s.manage.UploadDocument)
	org.POST("/documents/:id/delete", s.manage.DeleteDocument)
	// Partner news: the organisation's articles, written, previewed (the
	// form posted with do=preview stores nothing), illustrated (do=upload
	// stores the picture and shows its Markdown), submitted to staff,
	// withdrawn, and deleted while drafts.
	org.GET("/news", s.manage.ListArticles)
	org.GET("/news/new", s.manage.NewArticle)
	org.POST("/news/new", s.manage.CreateArticle)
	org.GET("/news/:id", s.manage.EditArticle)
	org.POST("/news/:id", s.manage.UpdateArticle)
	org.POST("/news/:id/submit", s.manage.SubmitArticle)
	org.POST("/news/:id/withdraw", s.manage.WithdrawArticle)
	org.POST("/news/:id/delete", s.manage.DeleteArticle)

	// Joining: anyone lists an organisation (it waits for an admin);
	// signed-in people claim an unowned one, by a link mailed to their
	// address at its website's domain or by an admin's approval.
	p.GET("/join", s.joining.ShowJoinForm)
	p.POST("/join", s.joining.SubmitJoin)
	p.GET("/join/received", s.requireUser, s.joining.ShowJoinReceived)
	p.GET("/signup", s.joining.ShowSignup)
	p.POST("/signup", s.joining.SignUp)
	// Anonymous visitors see how to claim and are asked to sign in or
	// create an account.
	p.GET("/organisations/:slug/claim", s.joining.ShowClaim)
	claim := p.Group("/organisations/:slug/claim", s.requireUser)
	claim.POST("/domain", s.joining.RequestDomainClaim)
	claim.POST("/admin", s.joining.RequestAdminClaim)
	p.GET("/claims/confirm", s.requireUser, s.joining.ShowClaimConfirm)
	p.POST("/claims/confirm", s.requireUser, s.joining.ConfirmClaim)
	claims := p.Group("/admin/claims", s.requireAdmin)
	claims.GET("", s.admin.ListClaims)
	claims.POST("/:id/approve", s.admin.ApproveClaim)
	claims.POST("/:id/reject", s.admin.RejectClaim)

	// --- The newsletter (internal/web/newsletter) ---
	// The sign-up form and the pages its mailed links open (a button
	// each), the staff's figures. POST /newsletter/unsubscribe is also the
	// List-Unsubscribe target of RFC 8058's one-click: a mail client posts
	// to it from elsewhere, with no session, authenticated by the link's
	// per-subscriber signature. It is the one route outside both CSRF
	// layers: registered on r (no form token) and bypassed by the
	// cross-origin check (oneClickPattern, exactly this method and path).
	p.GET("/newsletter", s.newsletter.ShowForm)
	p.POST("/newsletter", s.newsletter.Subscribe)
	p.GET("/newsletter/sent", s.newsletter.ShowSent)
	p.GET("/newsletter/confirm", s.newsletter.ShowConfirm)
	p.POST("/newsletter/confirm", s.newsletter.Confirm)
	p.GET("/newsletter/unsubscribe", s.newsletter.ShowUnsubscribe)
	r.POST("/newsletter/unsubscribe", s.noStore, s.newsletter.Unsubscribe)
	staff.GET("/newsletter", s.newsletter.ShowStaffNewsletter)
	// --- end of the newsletter ---

	// --- The public read API (internal/web/api), issue 13 ---
	// JSON, read-only, public data only, for anyone: CORS for simple GETs
	// without credentials, a token bucket per client address, answers
	// with ETags, errors as problem documents. Registered on w like every
	// public page: the session middleware only reads a cookie (it never
	// sets one on a GET), and GET and OPTIONS are safe methods for both
	// CSRF layers. /api is the page for people.
	w.GET("/api", s.api.ShowDocs)
	// Each route answers its CORS preflight (OPTIONS), which costs no
	// token: browsers send one before a conditional request
	// (If-None-Match is not a simple header). HEAD is GET without the body.
	pre, v1 := w.Group(api.Prefix, api.Headers), w.Group(api.Prefix, api.Headers, s.limitAPI)
	get := func(path string, h ...gin.HandlerFunc) {
		v1.GET(path, h...)
		v1.HEAD(path, append([]gin.HandlerFunc{headLikeGet}, h...)...)
		pre.OPTIONS(path, api.Preflight)
	}
	// Answers are kept by the page cache like the pages they mirror
	// (after the rate limit), until anything they show changes. Search is
	// not: the index moves on its own.
	apiList, apiOrg, apiArticle := s.cachePage, s.cachePage, s.cachePage
	get("/openapi.json", s.api.ShowSpec)
	get("/organisations", apiList, s.api.ListOrganisations)
	get("/organisations/:slug", apiOrg, s.api.ShowOrganisation)
	get("/organisations/:slug/projects", apiOrg, s.api.ListProjects)
	get("/countries", apiList, s.api.ListCountries)
	get("/themes", apiList, s.api.ListThemes)
	get("/articles", apiList, s.api.ListArticles)
	get("/articles/:slug", apiArticle, s.api.ShowArticle)
	get("/search", s.limitAPISearch, s.api.Search)
	// --- end of the public read API ---

	// --- Open data: the HSDS 3.0 API (internal/web/exchange) ---
	// Public records only, JSON, any origin (no credentials), under the
	// same per-client limit as /api/v1; an owner's whole record, private
	// parts included, is /manage/:org/export.hsds.json.
	hs := w.Group("/api/hsds", s.limitAPI)
	for path, h := range map[string]gin.HandlerFunc{"/organizations": s.exchange.ListOrganizations, "/organizations/:id": s.exchange.ShowOrganization} {
		hs.GET(path, h)
		hs.HEAD(path, headLikeGet, h)
	}
	org.GET("/export.hsds.json", s.manage.ExportHSDS)
	// --- end of open data ---

	// --- Keeping profiles true (issue 14): suggestions, team access, History ---
	// Anyone suggests a correction to a published profile (rate-limited per
	// client address); owners and editors decide their organisation's,
	// staff every organisation's, oldest first. Owners manage their team's
	// access and read the organisation's History. Staff and admins reach
	// every /manage/:org page through requireMembership.
	p.GET("/organisations/:slug/suggest", s.suggest.ShowForm)
	p.POST("/organisations/:slug/suggest", s.suggest.Submit)
	p.GET("/organisations/:slug/suggest/sent", s.suggest.ShowSent)
	org.GET("/suggestions", s.manage.ListSuggestions)
	org.POST("/suggestions/:id/accept", s.manage.AcceptSuggestion)
	org.POST("/suggestions/:id/decline", s.manage.DeclineSuggestion)
	staff.GET("/suggestions", s.suggest.ListQueue)
	staff.POST("/suggestions/:id/accept", s.suggest.AcceptSuggestion)
	staff.POST("/suggestions/:id/decline", s.suggest.DeclineSuggestion)
	org.POST("/access/:id/role", s.manage.ChangeMemberRole)
	org.POST("/access/:id/delete", s.manage.RemoveMember)
	org.POST("/access/:id/transfer", s.manage.TransferOwnership)
	org.POST("/invitations/:id/revoke", s.manage.RevokeInvitation)
	org.GET("/history", s.manage.ShowHistory)
	// --- end of keeping profiles true ---

	r.NoRoute(func(c *gin.Context) {
		if api.Owns(c) { // under /api/: a problem document, not the page
			api.SetHeaders(c)
			s.api.NotFound(c)
			return
		}
		s.Fail(c, fault.ErrNotFound)
	})
	r.NoMethod(func(c *gin.Context) {
		if api.Owns(c) {
			api.SetHeaders(c)
			s.api.MethodNotAllowed(c)
			return
		}
		s.RenderError(c, http.StatusMethodNotAllowed, "")
	})
	return r
}
