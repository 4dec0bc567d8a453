package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
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

	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/static/*file", s.static)
	r.GET("/lang", s.switchLanguage)

	r.GET("/", s.showHome)
	r.GET("/organisations", s.listOrganisations)
	r.GET("/organisations/:slug", s.showOrganisation)
	r.GET("/countries/:code", s.showCountry)
	r.GET("/privacy", s.showPrivacy)

	if s.search != nil {
		r.GET("/search", s.searchOrganisations)
	}

	if s.offers != nil {
		r.GET("/organisations/:slug/offer", s.showOfferForm)
		r.POST("/organisations/:slug/offer", s.submitOffer)
		r.GET("/organisations/:slug/offer/sent", s.showOfferSent)
	}

	r.NoRoute(func(c *gin.Context) { s.errorPage(c, http.StatusNotFound, "") })
	r.NoMethod(func(c *gin.Context) { s.errorPage(c, http.StatusMethodNotAllowed, "") })
	return r
}
