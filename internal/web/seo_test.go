package web_test

import (
	"encoding/json"
	"encoding/xml"
	"regexp"
	"strings"
	"testing"
)

func TestProfileCarriesValidJSONLDAndSharingTags(t *testing.T) {
	t.Parallel()
	h := newTestServer(t)
	body := get(t, h, "/organisations/ecpat-luxembourg").Body.String()
	m := regexp.MustCompile(`(?s)<script type="application/ld\+json">(.*?)</script>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no JSON-LD on the profile")
	}
	var ld struct {
		Context  string `json:"@context"`
		Type     string `json:"@type"`
		Name     string
		URL      string
		SameAs   []string
		Location []struct {
			Address struct {
				AddressLocality string
				AddressCountry  string
			}
		}
		ContactPoint struct {
			Type string `json:"@type"`
			URL  string
		}
	}
	if err := json.Unmarshal([]byte(m[1]), &ld); err != nil {
		t.Fatalf("JSON-LD is not valid JSON: %v\n%s", err, m[1])
	}
	if ld.Context != "https://schema.org" || ld.Type != "NGO" || ld.Name != "ECPAT Luxembourg" ||
		ld.URL != "http://partners.test/organisations/ecpat-luxembourg" {
		t.Errorf("JSON-LD identity: %+v", ld)
	}
	if len(ld.Location) != 2 || ld.Location[1].Address.AddressLocality != "Bamako" || ld.Location[1].Address.AddressCountry != "ML" {
		t.Errorf("JSON-LD offices: %+v", ld.Location)
	}
	if !strings.Contains(strings.Join(ld.SameAs, " "), "facebook.com/ecpatlux") || ld.ContactPoint.Type != "ContactPoint" {
		t.Errorf("JSON-LD sameAs/contact: %v %+v", ld.SameAs, ld.ContactPoint)
	}
	if strings.Contains(m[1], "c.wantz@ecpat.lu") {
		t.Error("the private default contact leaks into JSON-LD")
	}
	for _, w := range []string{`property="og:title" content="ECPAT Luxembourg"`, `name="twitter:card"`,
		`<link rel="canonical" href="http://partners.test/organisations/ecpat-luxembourg">`} {
		if !strings.Contains(body, w) {
			t.Errorf("profile lacks %s", w)
		}
	}
}

func TestSitemapListsPublishedProfilesAndRobotsPointsAtIt(t *testing.T) {
	t.Parallel()
	h := newTestServer(t)
	rec := get(t, h, "/sitemap.xml")
	var set struct {
		URLs []struct {
			Loc string `xml:"loc"`
		} `xml:"url"`
	}
	if err := xml.Unmarshal(rec.Body.Bytes(), &set); err != nil || rec.Code != 200 {
		t.Fatalf("sitemap: %d %v", rec.Code, err)
	}
	locs := map[string]bool{}
	for _, u := range set.URLs {
		locs[u.Loc] = true
	}
	if !locs["http://partners.test/organisations/ecpat-luxembourg"] || len(set.URLs) != 14+2 {
		t.Errorf("sitemap has %d URLs; ECPAT listed: %v", len(set.URLs), locs["http://partners.test/organisations/ecpat-luxembourg"])
	}
	robots := get(t, h, "/robots.txt").Body.String()
	if !strings.Contains(robots, "Sitemap: http://partners.test/sitemap.xml") || !strings.Contains(robots, "Disallow: /manage") {
		t.Errorf("robots.txt:\n%s", robots)
	}
	if rec := get(t, h, "/sitemaps/sitemap-9.xml"); rec.Code != 404 {
		t.Errorf("a sitemap page past the end: %d", rec.Code)
	}
}
