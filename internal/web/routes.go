package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
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
	r.Use(s.loadSession, s.refuseCrossOrigin, s.checkFormToken)

	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/static/*file", s.static)
	r.GET("/lang", s.switchLanguage)
	r.GET("/robots.txt", s.showRobots)
	r.GET("/sitemap.xml", s.showSitemap)
	r.GET("/sitemaps/:file", s.showSitemapPage)

	list := s.cachePage(nil)
	r.GET("/", list, s.showHome)
	r.GET("/organisations", list, s.listOrganisations)
	r.GET("/organisations/:slug", s.cachePage(s.profileStamp), s.showOrganisation)
	r.GET("/countries/:code", list, s.showCountry)
	r.GET("/privacy", s.showPrivacy)

	r.GET("/search", s.searchOrganisations)

	r.GET("/organisations/:slug/offer", s.showOfferForm)
	r.POST("/organisations/:slug/offer", s.submitOffer)
	r.GET("/organisations/:slug/offer/sent", s.showOfferSent)

	// Triage of offers by platform staff and admins.
	staff := r.Group("/staff", s.requireStaff)
	staff.GET("/offers", s.listStaffOffers)
	staff.GET("/offers.csv", s.exportStaffOffers)
	staff.POST("/offers/spam", s.markOffersSpam)
	staff.GET("/offers/:id", s.showStaffOffer)
	staff.POST("/offers/:id/status", s.changeOfferStatus)
	staff.POST("/offers/:id/notes", s.addOfferNote)
	staff.POST("/offers/:id/assign", s.assignOffer)
	staff.POST("/offers/:id/reroute", s.rerouteOffer)
	staff.GET("/dashboard", s.showStaffDashboard)

	// GDPR requests about a donor's data: admins only.
	donors := r.Group("/admin/donors", s.requireAdmin)
	donors.GET("", s.showAdminDonors)
	donors.POST("/export", s.exportDonor)
	donors.POST("/erase", s.eraseDonor)

	// Platform administration: the review of organisations, users and
	// their roles. Admins only, with two-factor authentication.
	admin := r.Group("/admin", s.requireAdmin)
	admin.GET("", s.showAdminHome)
	admin.GET("/organisations", s.listAdminOrganisations)
	admin.GET("/organisations/:id", s.showAdminOrganisation)
	for _, d := range []string{directory.DecisionApprove, directory.DecisionReject, directory.DecisionSuspend,
		directory.DecisionReinstate, directory.DecisionVerify, directory.DecisionUnverify} {
		admin.POST("/organisations/:id/"+d, s.decideOrganisation(d))
	}
	admin.GET("/users", s.listAdminUsers)
	admin.GET("/users/:id", s.showAdminUser)
	admin.POST("/users/:id/role", s.setUserRole)
	admin.POST("/users/:id/disable", s.setUserDisabled(true))
	admin.POST("/users/:id/enable", s.setUserDisabled(false))
	admin.POST("/users/:id/sessions/revoke", s.revokeUserSessions)
	admin.POST("/users/:id/memberships", s.addUserMembership)
	admin.POST("/users/:id/memberships/:org/role", s.changeUserMembership)
	admin.POST("/users/:id/memberships/:org/delete", s.removeUserMembership)

	// An organisation's members follow up its offers, and nobody
	// else's (another organisation's offer is a 404).
	mine := r.Group("/manage/offers", s.requireUser)
	mine.GET("", s.listMemberOffers)
	mine.GET("/:id", s.showMemberOffer)
	mine.POST("/:id/status", s.changeMemberOfferStatus)
	mine.POST("/:id/notes", s.addMemberOfferNote)
	r.GET("/manage/offers.csv", s.requireUser, s.exportMemberOffers)

	r.GET("/login", s.showLogin)
	r.POST("/login", s.login)
	r.POST("/logout", s.logout)
	r.GET("/login/2fa", s.showSecondFactor)
	r.GET("/uploads/logos/:name", s.serveLogo)
	r.POST("/login/2fa", s.verifySecondFactor)
	r.GET("/password/forgot", s.showForgotPassword)
	r.POST("/password/forgot", s.requestPasswordReset)
	r.GET("/password/reset", s.showTokenForm(false))
	r.POST("/password/reset", s.redeemToken(false))
	r.GET("/invitation", s.showTokenForm(true))
	r.POST("/invitation", s.redeemToken(true))

	account := r.Group("/account", s.requireUser)
	account.GET("/sessions", s.listSessions)
	account.POST("/sessions/end-all", s.endAllSessions)
	account.POST("/sessions/:key/end", s.endSession)
	account.GET("/password", s.showChangePassword)
	account.POST("/password", s.changePassword)
	account.GET("/2fa", s.showTwoFactor)
	account.POST("/2fa", s.enableTwoFactor)
	account.POST("/2fa/disable", s.disableTwoFactor)

	// Self-service: members (owners, editors) of an organisation edit
	// its profile; everyone else gets 404 from requireMembership.
	manage := r.Group("/manage", s.requireUser)
	manage.GET("", s.listManagedOrganisations)
	org := manage.Group("/:org", s.requireMembership)
	org.GET("", s.showProfileForm)
	org.POST("", s.updateProfile)
	org.GET("/offices", s.listOffices)
	org.GET("/offices/new", s.newOffice)
	org.POST("/offices/new", s.createOffice)
	org.GET("/offices/:id", s.editOffice)
	org.POST("/offices/:id", s.updateOffice)
	org.POST("/offices/:id/delete", s.deleteOffice)
	org.GET("/team", s.listMembers)
	org.GET("/team/new", s.newMember)
	org.POST("/team/new", s.createMember)
	org.GET("/team/:id", s.editMember)
	org.POST("/team/:id", s.updateMember)
	org.POST("/team/:id/delete", s.deleteMember)
	org.POST("/team/:id/move", s.moveMember)
	org.GET("/projects", s.listProjects)
	org.GET("/projects/new", s.newProject)
	org.POST("/projects/new", s.createProject)
	org.GET("/projects/:id", s.editProject)
	org.POST("/projects/:id", s.updateProject)
	org.POST("/projects/:id/delete", s.deleteProject)
	org.GET("/contacts", s.listContacts)
	org.GET("/contacts/new", s.newContact)
	org.POST("/contacts/new", s.createContact)
	org.GET("/contacts/:id", s.editContact)
	org.POST("/contacts/:id", s.updateContact)
	org.POST("/contacts/:id/delete", s.deleteContact)
	org.POST("/rules", s.createRule)
	org.POST("/rules/:id/delete", s.deleteRule)
	org.POST("/reviewed", s.confirmReviewed)
	org.GET("/access", s.listAccess)
	org.POST("/access", s.inviteMember)
	org.POST("/submit", s.submitForReview)
	org.POST("/logo", s.uploadLogo)

	// Joining: anyone lists an organisation (it waits for an admin);
	// signed-in people claim an unowned one, by a link mailed to their
	// address at its website's domain or by an admin's approval.
	r.GET("/join", s.showJoinForm)
	r.POST("/join", s.submitJoin)
	r.GET("/join/received", s.requireUser, s.showJoinReceived)
	r.GET("/signup", s.showSignup)
	r.POST("/signup", s.signUp)
	// Anonymous visitors see how to claim and are asked to sign in or
	// create an account.
	r.GET("/organisations/:slug/claim", s.showClaim)
	claim := r.Group("/organisations/:slug/claim", s.requireUser)
	claim.POST("/domain", s.requestDomainClaim)
	claim.POST("/admin", s.requestAdminClaim)
	r.GET("/claims/confirm", s.requireUser, s.showClaimConfirm)
	r.POST("/claims/confirm", s.requireUser, s.confirmClaim)
	claims := r.Group("/admin/claims", s.requireAdmin)
	claims.GET("", s.listClaims)
	claims.POST("/:id/approve", s.approveClaim)
	claims.POST("/:id/reject", s.rejectClaim)

	r.NoRoute(func(c *gin.Context) { s.errorPage(c, http.StatusNotFound, "") })
	r.NoMethod(func(c *gin.Context) { s.errorPage(c, http.StatusMethodNotAllowed, "") })
	return r
}
