package joining

import (
	"net/url"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// freeMail are providers anyone can get an address at: such an address
// proves nothing about an organisation.
var freeMail = map[string]bool{
	"gmail.com": true, "googlemail.com": true, "yahoo.com": true, "yahoo.fr": true, "hotmail.com": true,
	"hotmail.fr": true, "outlook.com": true, "outlook.fr": true, "live.com": true, "live.fr": true, "msn.com": true,
	"icloud.com": true, "me.com": true, "aol.com": true, "gmx.com": true, "gmx.net": true, "gmx.de": true,
	"gmx.fr": true, "web.de": true, "orange.fr": true, "wanadoo.fr": true, "free.fr": true, "laposte.net": true,
	"sfr.fr": true, "protonmail.com": true, "proton.me": true, "pm.me": true, "yandex.com": true, "yandex.ru": true,
	"mail.com": true, "zoho.com": true, "tutanota.com": true, "pt.lu": true, "mail.ru": true,
}

// registrable returns the part of host one registers (ecpat.lu for
// www.ecpat.lu or mail.ecpat.lu), lower case, or "" when there is none.
func registrable(host string) string {
	host = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(host)), ".")
	host = strings.TrimPrefix(host, "www.")
	if host == "" || strings.ContainsAny(host, "/:@ ") {
		return ""
	}
	d, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return ""
	}
	return d
}

// websiteDomain is the registrable domain of a website address, or "".
func websiteDomain(website string) string {
	u, err := url.Parse(strings.TrimSpace(website))
	if err != nil || u.Hostname() == "" {
		return ""
	}
	return registrable(u.Hostname())
}

// emailDomain is the registrable domain of an email address, or "".
func emailDomain(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 1 {
		return ""
	}
	return registrable(email[at+1:])
}

// ClaimDomain is the domain an address must be at to claim an organisation
// with website by mail, or "" when it cannot be claimed that way (no
// website, or a website at a free mail provider's domain).
func ClaimDomain(website string) string {
	d := websiteDomain(website)
	if freeMail[d] {
		return ""
	}
	return d
}
