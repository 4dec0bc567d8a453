package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
)

// Handler returns the HTTP handler with every route. Middleware order:
// recovery, request id + logger, access log, security headers, body limit,
// language.
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
	r.Use(s.requestID, s.recovery, s.accessLog, s.securityHeaders, s.limitBody, s.language)
	// CSRF, two layers on every unsafe request: the browser's word that it
	// comes from this site, then the session's form token.
	r.Use(s.loadSession, s.refuseCrossOrigin)
	// Every route but the offer form's POST is registered on w, which
	// checks the form token; the offer form checks it itself and, refused,
	// shows the donor their filled form again.
	w := r.Group("", s.checkFormToken)
	r.POST("/organisations/:slug/offer", s.formTokenOr(s.donor.refuseOfferToken), s.donor.submitOffer)

	w.GET("/healthz", s.healthz)
	w.GET("/readyz", s.readyz)
	w.GET("/static/*file", s.static)
	w.GET("/lang", s.switchLanguage)
	w.GET("/robots.txt", s.public.showRobots)
	w.GET("/sitemap.xml", s.public.showSitemap)
	w.GET("/sitemaps/:file", s.public.showSitemapPage)

	list := s.cachePage(nil)
	w.GET("/", list, s.public.showHome)
	w.GET("/organisations", list, s.public.listOrganisations)
	w.GET("/organisations/:slug", s.cachePage(s.public.profileStamp), s.public.showOrganisation)
	w.GET("/countries/:code", list, s.public.showCountry)
	w.GET("/privacy", s.donor.showPrivacy)

	w.GET("/search", s.public.searchOrganisations)

	w.GET("/organisations/:slug/offer", s.donor.showOfferForm)
	w.GET("/organisations/:slug/offer/sent", s.donor.showOfferSent)

	// Triage of offers by platform staff and admins.
	staff := w.Group("/staff", s.requireStaff)
	staff.GET("/offers", s.inbox.listStaffOffers)
	staff.GET("/offers.csv", s.inbox.exportStaffOffers)
	staff.POST("/offers/spam", s.inbox.markOffersSpam)
	staff.GET("/offers/:id", s.inbox.showStaffOffer)
	staff.POST("/offers/:id/status", s.inbox.changeOfferStatus)
	staff.POST("/offers/:id/notes", s.inbox.addOfferNote)
	staff.POST("/offers/:id/assign", s.inbox.assignOffer)
	staff.POST("/offers/:id/reroute", s.inbox.rerouteOffer)
	staff.GET("/dashboard", s.inbox.showStaffDashboard)

	// GDPR requests about a donor's data: admins only.
	donors := w.Group("/admin/donors", s.requireAdmin)
	donors.GET("", s.admin.showAdminDonors)
	donors.POST("/export", s.admin.exportDonor)
	donors.POST("/erase", s.admin.eraseDonor)

	// Platform administration: the review of organisations, users and
	// their roles. Admins only, with two-factor authentication.
	admin := w.Group("/admin", s.requireAdmin)
	admin.GET("", s.admin.showAdminHome)
	admin.GET("/organisations", s.admin.listAdminOrganisations)
	admin.GET("/organisations/:id", s.admin.showAdminOrganisation)
	for _, d := range []string{directory.DecisionApprove, directory.DecisionReject, directory.DecisionSuspend,
		directory.DecisionReinstate, directory.DecisionVerify, directory.DecisionUnverify} {
		admin.POST("/organisations/:id/"+d, s.admin.decideOrganisation(d))
	}
	admin.GET("/users", s.admin.listAdminUsers)
	admin.GET("/users/:id", s.admin.showAdminUser)
	admin.POST("/users/:id/role", s.admin.setUserRole)
	admin.POST("/users/:id/disable", s.admin.setUserDisabled(true))
	admin.POST("/users/:id/enable", s.admin.setUserDisabled(false))
	admin.POST("/users/:id/sessions/revoke", s.admin.revokeUserSessions)
	admin.POST("/users/:id/memberships", s.admin.addUserMembership)
	admin.POST("/users/:id/memberships/:org/role", s.admin.changeUserMembership)
	admin.POST("/users/:id/memberships/:org/delete", s.admin.removeUserMembership)

	// An organisation's members follow up its offers, and nobody
	// else's (another organisation's offer is a 404).
	mine := w.Group("/manage/offers", s.requireUser)
	mine.GET("", s.inbox.listMemberOffers)
	mine.GET("/:id", s.inbox.showMemberOffer)
	mine.POST("/:id/status", s.inbox.changeMemberOfferStatus)
	mine.POST("/:id/notes", s.inbox.addMemberOfferNote)
	w.GET("/manage/offers.csv", s.requireUser, s.inbox.exportMemberOffers)

	w.GET("/login", s.accounts.showLogin)
	w.POST("/login", s.accounts.login)
	w.POST("/logout", s.accounts.logout)
	w.GET("/login/2fa", s.accounts.showSecondFactor)
	w.GET("/uploads/logos/:name", s.manage.serveLogo)
	w.POST("/login/2fa", s.accounts.verifySecondFactor)
	w.GET("/password/forgot", s.accounts.showForgotPassword)
	w.POST("/password/forgot", s.accounts.requestPasswordReset)
	w.GET("/password/reset", s.accounts.showTokenForm(false))
	w.POST("/password/reset", s.accounts.redeemToken(false))
	w.GET("/invitation", s.accounts.showTokenForm(true))
	w.POST("/invitation", s.accounts.redeemToken(true))

	account := w.Group("/account", s.requireUser)
	account.GET("/sessions", s.accounts.listSessions)
	account.POST("/sessions/end-all", s.accounts.endAllSessions)
	account.POST("/sessions/:key/end", s.accounts.endSession)
	account.GET("/password", s.accounts.showChangePassword)
	account.POST("/password", s.accounts.changePassword)
	account.GET("/2fa", s.accounts.showTwoFactor)
	account.POST("/2fa", s.accounts.enableTwoFactor)
	account.POST("/2fa/disable", s.accounts.disableTwoFactor)

	// Self-service: members (owners, editors) of an organisation edit
	// its profile; everyone else gets 404 from requireMembership.
	manage := w.Group("/manage", s.requireUser)
	manage.GET("", s.manage.listManagedOrganisations)
	org := manage.Group("/:org", s.requireMembership)
	org.GET("", s.manage.showProfileForm)
	org.POST("", s.manage.updateProfile)
	offices, team, projects, contacts := s.manage.offices(), s.manage.team(), s.manage.projects(), s.manage.contacts()
	org.GET("/offices", offices.list)
	org.GET("/offices/new", offices.newForm)
	org.POST("/offices/new", offices.create)
	org.GET("/offices/:id", offices.edit)
	org.POST("/offices/:id", offices.update)
	org.POST("/offices/:id/delete", offices.remove)
	org.GET("/team", team.list)
	org.GET("/team/new", team.newForm)
	org.POST("/team/new", team.create)
	org.GET("/team/:id", team.edit)
	org.POST("/team/:id", team.update)
	org.POST("/team/:id/delete", team.remove)
	org.POST("/team/:id/move", s.manage.moveMember)
	org.GET("/projects", projects.list)
	org.GET("/projects/new", projects.newForm)
	org.POST("/projects/new", projects.create)
	org.GET("/projects/:id", projects.edit)
	org.POST("/projects/:id", projects.update)
	org.POST("/projects/:id/delete", projects.remove)
	org.GET("/contacts", s.manage.listContacts)
	org.GET("/contacts/new", contacts.newForm)
	org.POST("/contacts/new", contacts.create)
	org.GET("/contacts/:id", contacts.edit)
	org.POST("/contacts/:id", contacts.update)
	org.POST("/contacts/:id/delete", contacts.remove)
	org.POST("/rules", s.manage.createRule)
	org.POST("/rules/:id/delete", s.manage.deleteRule)
	org.POST("/reviewed", s.joining.confirmReviewed)
	org.GET("/access", s.manage.listAccess)
	org.POST("/access", s.manage.inviteMember)
	org.POST("/submit", s.manage.submitForReview)
	org.POST("/logo", s.manage.uploadLogo)

	// Joining: anyone lists an organisation (it waits for an admin);
	// signed-in people claim an unowned one, by a link mailed to their
	// address at its website's domain or by an admin's approval.
	w.GET("/join", s.joining.showJoinForm)
	w.POST("/join", s.joining.submitJoin)
	w.GET("/join/received", s.requireUser, s.joining.showJoinReceived)
	w.GET("/signup", s.joining.showSignup)
	w.POST("/signup", s.joining.signUp)
	// Anonymous visitors see how to claim and are asked to sign in or
	// create an account.
	w.GET("/organisations/:slug/claim", s.joining.showClaim)
	claim := w.Group("/organisations/:slug/claim", s.requireUser)
	claim.POST("/domain", s.joining.requestDomainClaim)
	claim.POST("/admin", s.joining.requestAdminClaim)
	w.GET("/claims/confirm", s.requireUser, s.joining.showClaimConfirm)
	w.POST("/claims/confirm", s.requireUser, s.joining.confirmClaim)
	claims := w.Group("/admin/claims", s.requireAdmin)
	claims.GET("", s.admin.listClaims)
	claims.POST("/:id/approve", s.admin.approveClaim)
	claims.POST("/:id/reject", s.admin.rejectClaim)

	r.NoRoute(func(c *gin.Context) { s.fail(c, fault.ErrNotFound) })
	r.NoMethod(func(c *gin.Context) { s.errorPage(c, http.StatusMethodNotAllowed, "") })
	return r
}
