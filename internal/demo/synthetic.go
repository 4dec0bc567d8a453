package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/news"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

// SyntheticSlugPrefix is the slug prefix of the synthetic organisations
// generated from seed: "syn-<seed>-". Demo slugs never start with "syn-".
func SyntheticSlugPrefix(seed uint64) string { return "syn-" + strconv.FormatUint(seed, 10) + "-" }

// SyntheticOptions says what LoadSynthetic loads.
type SyntheticOptions struct {
	// Orgs is how many organisations the seed should have once loaded.
	Orgs int
	// Seed picks the data; the same seed always gives the same data.
	Seed uint64
	// Progress, when set, is called after each batch with the number of
	// organisations written so far and the number to write.
	Progress func(done, total int)
	// News, when set, also stores SyntheticArticles for each organisation
	// added, in the organisation's batch.
	News *news.Store
}

// SyntheticResult says what LoadSynthetic did.
type SyntheticResult struct {
	// Present is how many organisations of the seed were already there.
	Present int
	// Created is how many were added.
	Created int
	// Articles is how many articles were added with them.
	Articles int
}

// syntheticBatch is how many organisations go into one transaction of
// COPYs: large enough to amortise round trips, small enough to bound memory
// and the work an interruption loses.
const syntheticBatch = 2000

// LoadSynthetic makes the database hold organisations 1..opts.Orgs of
// opts.Seed. Organisation i of a seed is always the same, whatever
// opts.Orgs is, so a second run with the same seed only adds the ones
// missing: with the same --orgs it is a no-op.
//
// Batches of organisations are generated while earlier ones are written,
// and written by a few connections at once, each batch in its own
// transaction with COPY and one audit entry (two with articles). An
// interrupted load leaves whole batches behind; running it again fills in
// the rest — organisations already there keep the articles they have. No
// index jobs are enqueued: run `partnerdir search reindex` afterwards to
// make the new organisations searchable.
func LoadSynthetic(ctx context.Context, pool *pgxpool.Pool, store *directory.Store, opts SyntheticOptions) (SyntheticResult, error) {
	res, err := loadSynthetic(ctx, pool, store, opts)
	if err != nil {
		return res, fmt.Errorf("demo: synthetic (seed %d): %w", opts.Seed, err)
	}
	return res, nil
}

func loadSynthetic(ctx context.Context, pool *pgxpool.Pool, store *directory.Store, opts SyntheticOptions) (SyntheticResult, error) {
	var res SyntheticResult
	if opts.Orgs < 0 {
		return res, errors.New("the number of organisations must not be negative")
	}
	// One load at a time, held on a connection of its own for the whole
	// load (a different key from Load's, which ensureThemes takes).
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return res, err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(7262003)`); err != nil {
		return res, err
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(7262003)`) //nolint:errcheck // ends with the session anyway

	if err := postgres.InTx(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7262002)`); err != nil {
			return err
		}
		return ensureThemes(ctx, tx, store)
	}); err != nil {
		return res, err
	}

	prefix := SyntheticSlugPrefix(opts.Seed)
	rows, _ := conn.Query(ctx, `SELECT substr(slug, length($1) + 1)::bigint FROM organisations
		WHERE starts_with(slug, $1) AND substr(slug, length($1) + 1) ~ '^[1-9][0-9]{0,9}$'`, prefix)
	present, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return res, fmt.Errorf("read existing: %w", err)
	}
	have := make(map[int64]bool, len(present))
	for _, i := range present {
		if i <= int64(opts.Orgs) {
			have[i] = true
		}
	}
	res.Present = len(have)
	var missing []int
	for i := 1; i <= opts.Orgs; i++ {
		if !have[int64(i)] {
			missing = append(missing, i)
		}
	}
	if len(missing) == 0 {
		return res, nil
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type batch struct {
		idx  []int
		orgs []*directory.NewOrganisation
	}
	batches := make(chan batch, syntheticWriters)
	go func() {
		defer close(batches)
		for start := 0; start < len(missing); start += syntheticBatch {
			idx := missing[start:min(start+syntheticBatch, len(missing))]
			b := batch{idx: idx, orgs: make([]*directory.NewOrganisation, len(idx))}
			for k, i := range idx {
				b.orgs[k] = SyntheticOrganisation(opts.Seed, i)
			}
			select {
			case batches <- b:
			case <-ctx.Done():
				return
			}
		}
	}()

	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for w := 0; w < syntheticWriters; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for bt := range batches {
				b, articles := bt.orgs, 0
				err := postgres.InTx(ctx, pool, func(tx pgx.Tx) error {
					if err := store.CreateManyTx(ctx, tx, b); err != nil {
						return err
					}
					if err := audit.Record(ctx, tx, audit.System("seed"), audit.Entry{
						Action: "organisation.bulk_create", EntityType: "organisation",
						Details: map[string]any{"source": "synthetic", "seed": opts.Seed, "count": len(b),
							"first": b[0].Slug, "last": b[len(b)-1].Slug},
					}); err != nil || opts.News == nil {
						return err
					}
					var as []news.Bulk
					for k, o := range b {
						as = append(as, SyntheticArticles(opts.Seed, bt.idx[k], o)...)
					}
					if err := opts.News.CreateManyTx(ctx, tx, as); err != nil {
						return err
					}
					articles = len(as)
					return audit.Record(ctx, tx, audit.System("seed"), audit.Entry{
						Action: "article.bulk_create", EntityType: "article",
						Details: map[string]any{"source": "synthetic", "seed": opts.Seed, "count": len(as),
							"first": as[0].Slug, "last": as[len(as)-1].Slug},
					})
				})
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
					cancel()
				}
				if err == nil {
					res.Created += len(b)
					res.Articles += articles
					if opts.Progress != nil {
						opts.Progress(res.Created, len(missing))
					}
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return res, firstErr
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	// Fresh statistics, so the planner does not take the large tables for
	// the small ones they were before the load.
	if _, err := conn.Exec(ctx, `ANALYZE organisations, organisation_themes, organisation_countries, offices,
		office_countries, team_members, projects, project_countries, project_themes, contact_points, social_links,
		articles, article_translations, article_themes, article_countries, article_projects, article_offices`); err != nil {
		return res, fmt.Errorf("analyze: %w", err)
	}
	return res, nil
}

// syntheticWriters is how many connections write batches at once: COPY
// into tables with foreign keys is bound by one CPU per connection.
const syntheticWriters = 2

// ensureThemes creates the platform's themes when there are none yet.
func ensureThemes(ctx context.Context, tx pgx.Tx, store *directory.Store) error {
	var loaded bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM themes)`).Scan(&loaded); err != nil {
		return err
	}
	if loaded {
		return nil
	}
	return store.UpsertThemes(ctx, tx, Themes)
}

// place is a city the synthetic organisations can have an office in.
type place struct {
	city, country string
	lat, lon      float64
}

var places = []place{
	{"Bamako", "ML", 12.6392, -8.0029}, {"Ségou", "ML", 13.4317, -6.2157}, {"Mopti", "ML", 14.4843, -4.1830},
	{"Dakar", "SN", 14.7167, -17.4677}, {"Thiès", "SN", 14.7910, -16.9359}, {"Ziguinchor", "SN", 12.5681, -16.2719},
	{"Ouagadougou", "BF", 12.3714, -1.5197}, {"Bobo-Dioulasso", "BF", 11.1771, -4.2979}, {"Niamey", "NE", 13.5116, 2.1254},
	{"Zinder", "NE", 13.8072, 8.9881}, {"Abidjan", "CI", 5.3600, -4.0083}, {"Bouaké", "CI", 7.6900, -5.0300},
	{"Cotonou", "BJ", 6.3703, 2.3912}, {"Parakou", "BJ", 9.3370, 2.6303}, {"Lomé", "TG", 6.1725, 1.2314},
	{"Accra", "GH", 5.6037, -0.1870}, {"Tamale", "GH", 9.4008, -0.8393}, {"Conakry", "GN", 9.6412, -13.5784},
	{"Nouakchott", "MR", 18.0735, -15.9582}, {"N'Djamena", "TD", 12.1348, 15.0557}, {"Yaoundé", "CM", 3.8480, 11.5021},
	{"Douala", "CM", 4.0511, 9.7679}, {"Kinshasa", "CD", -4.4419, 15.2663}, {"Goma", "CD", -1.6585, 29.2205},
	{"Kigali", "RW", -1.9441, 30.0619}, {"Bujumbura", "BI", -3.3614, 29.3599}, {"Nairobi", "KE", -1.2921, 36.8219},
	{"Kisumu", "KE", -0.0917, 34.7680}, {"Kampala", "UG", 0.3476, 32.5825}, {"Gulu", "UG", 2.7724, 32.2881},
	{"Dar es Salaam", "TZ", -6.7924, 39.2083}, {"Arusha", "TZ", -3.3869, 36.6830}, {"Addis Ababa", "ET", 9.0300, 38.7400},
	{"Antananarivo", "MG", -18.8792, 47.5079}, {"Toamasina", "MG", -18.1443, 49.3958}, {"Maputo", "MZ", -25.9692, 32.5732},
	{"Lilongwe", "MW", -13.9626, 33.7741}, {"Lusaka", "ZM", -15.3875, 28.3228}, {"Harare", "ZW", -17.8252, 31.0335},
	{"Rabat", "MA", 34.0209, -6.8416}, {"Tunis", "TN", 36.8065, 10.1815}, {"Beyrouth", "LB", 33.8938, 35.5018},
	{"Port-au-Prince", "HT", 18.5944, -72.3074}, {"Cap-Haïtien", "HT", 19.7578, -72.2044}, {"La Paz", "BO", -16.4897, -68.1193},
	{"Lima", "PE", -12.0464, -77.0428}, {"Bogotá", "CO", 4.7110, -74.0721}, {"Managua", "NI", 12.1150, -86.2362},
	{"Dhaka", "BD", 23.8103, 90.4125}, {"Kathmandu", "NP", 27.7172, 85.3240}, {"Phnom Penh", "KH", 11.5564, 104.9282},
	{"Vientiane", "LA", 17.9757, 102.6331}, {"Hanoï", "VN", 21.0278, 105.8342}, {"Manille", "PH", 14.5995, 120.9842},
	{"Luxembourg", "LU", 49.6116, 6.1319}, {"Esch-sur-Alzette", "LU", 49.4958, 5.9806}, {"Bruxelles", "BE", 50.8503, 4.3517},
	{"Liège", "BE", 50.6326, 5.5797}, {"Paris", "FR", 48.8566, 2.3522}, {"Lyon", "FR", 45.7640, 4.8357},
	{"Genève", "CH", 46.2044, 6.1432}, {"Berlin", "DE", 52.5200, 13.4050}, {"Amsterdam", "NL", 52.3676, 4.9041},
	{"Londres", "GB", 51.5074, -0.1278}, {"Madrid", "ES", 40.4168, -3.7038}, {"Rome", "IT", 41.9028, 12.4964},
	{"Montréal", "CA", 45.5017, -73.5673}, {"Lisbonne", "PT", 38.7223, -9.1393},
}

// northern are the places a headquarters abroad is most often in.
var northern = []string{"LU", "BE", "FR", "CH", "DE", "NL", "GB", "ES", "IT", "CA", "PT"}

var themeSlugs = func() []string {
	s := make([]string, len(Themes))
	for i, t := range Themes {
		s[i] = t.Slug
	}
	return s
}()

// Name parts; combined they give names like "Association Terre Solidaire
// Kayes" or "Horizon Youth Network".
var (
	namePrefixFR = []string{"Association", "Fondation", "Réseau", "Collectif", "Coopérative", "Union", "Alliance", "Groupement", "Comité", "Maison"}
	nameCoreFR   = []string{"Terre Solidaire", "Espoir", "Main dans la Main", "Enfance Heureuse", "Eau Pour Tous", "Santé Plus", "Femmes Debout",
		"Avenir Jeunesse", "Savoirs Partagés", "Horizon Vert", "Solidarité Rurale", "Lumière", "Entraide", "Dignité", "Racines",
		"Semences d'Avenir", "Pont des Cultures", "Cœur Ouvert", "Sourire d'Enfant", "Clé des Champs"}
	namePrefixEN = []string{"", "", "Friends of", "Hope for", "Action for", "Bridges to"}
	nameCoreEN   = []string{"Green Future", "Open Hands", "Bright Minds", "Clean Water", "Youth Voices", "Healthy Villages",
		"Safe Childhood", "Women Rising", "Shared Harvest", "Learning Together", "Fair Trade", "New Roots", "Kind Hearts", "Blue Horizon"}
	nameSuffixEN = []string{"Network", "Initiative", "Trust", "Foundation", "Alliance", "Project", "Collective", "Society"}

	firstNames = []string{"Aminata", "Moussa", "Fatoumata", "Ibrahim", "Awa", "Oumar", "Mariam", "Seydou", "Kadiatou", "Boubacar",
		"Claire", "Julien", "Sophie", "Marc", "Anne", "Luc", "Nadia", "Karim", "Léa", "Thomas", "Grace", "Joseph", "Esther",
		"Emmanuel", "Aïcha", "Mamadou", "Hélène", "Paul", "Rokia", "Yaya", "Chantal", "David", "Irène", "Samuel", "Amina"}
	lastNames = []string{"Traoré", "Diallo", "Coulibaly", "Keïta", "Konaté", "Sissoko", "Ndiaye", "Sow", "Ouédraogo", "Kaboré",
		"Mensah", "Okafor", "Mukamana", "Nkurunziza", "Rakoto", "Dupont", "Muller", "Schmit", "Weber", "Martin", "Lambert",
		"Hoffmann", "Bernard", "Petit", "Garcia", "Rossi", "Haddad", "Benali", "Tembo", "Banda"}
	roles = []string{"Directrice exécutive", "Directeur exécutif", "Coordinatrice de projets", "Coordinateur de projets",
		"Responsable administratif et financier", "Chargée de communication", "Chargé de suivi-évaluation", "Animatrice de terrain",
		"Juriste", "Comptable", "Responsable des partenariats", "Infirmière coordinatrice", "Formateur", "Présidente du conseil"}

	projectVerbs   = []string{"Accès à", "Renforcement de", "Soutien à", "Promotion de", "Appui à", "Développement de"}
	projectObjects = map[string][]string{
		"child-protection":        {"la protection des enfants", "la prise en charge des enfants des rues"},
		"human-rights-solidarity": {"l'accès au droit", "la défense des droits des femmes"},
		"education":               {"la scolarisation des filles", "l'alphabétisation des adultes"},
		"health":                  {"la santé maternelle", "la vaccination communautaire"},
		"water-sanitation":        {"l'eau potable", "l'assainissement scolaire"},
		"food-security":           {"la sécurité alimentaire", "les jardins maraîchers"},
		"environment":             {"la reforestation", "l'énergie solaire villageoise"},
		"gender-equality":         {"l'autonomie des femmes", "l'égalité dans les écoles"},
		"livelihoods":             {"la microfinance", "l'insertion professionnelle des jeunes"},
		"emergency-relief":        {"l'aide d'urgence", "la reconstruction des abris"},
		"migration":               {"l'accueil des réfugiés", "l'intégration des migrants"},
		"disability":              {"l'inclusion des personnes handicapées", "l'appareillage orthopédique"},
	}

	kindWeights = []struct {
		kind   directory.Kind
		weight int
	}{
		{directory.KindNational, 40}, {directory.KindInternational, 18}, {directory.KindPartnerCountry, 15},
		{directory.KindFoundation, 10}, {directory.KindRegional, 6}, {directory.KindAcademic, 4},
		{directory.KindPrivate, 3}, {directory.KindOther, 2}, {directory.KindPPP, 1}, {directory.KindLocalGov, 1},
	}
	officeKinds = []string{directory.OfficeRegional, directory.OfficeCountry, directory.OfficeCountry, directory.OfficeField}
)

// SyntheticOrganisation returns organisation i (from 1) of seed: a
// realistic but clearly fictional partner — example.org addresses, a
// description saying it is synthetic — with 0–4 offices, 1–6 team members
// (some private), 0–5 projects and one default contact point. It depends
// only on seed and i.
func SyntheticOrganisation(seed uint64, i int) *directory.NewOrganisation {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	slug := SyntheticSlugPrefix(seed) + strconv.Itoa(i)
	domain := slug + ".example.org"

	home := places[r.IntN(len(places))]
	themes := sample(r, themeSlugs, 1+r.IntN(3))
	var name string
	if r.IntN(2) == 0 {
		name = pick(namePrefixFR) + " " + pick(nameCoreFR) + " " + home.city
	} else {
		name = strings.TrimSpace(pick(namePrefixEN)+" "+pick(nameCoreEN)) + " " + pick(nameSuffixEN)
	}
	kind := weightedKind(r)
	founded := 1960 + r.IntN(64)
	objective := pick(projectObjects[themes[0]])
	o := &directory.NewOrganisation{
		Organisation: directory.Organisation{
			Slug:          slug,
			Name:          name,
			AlternateName: acronym(name),
			Kind:          kind,
			FoundedYear:   founded,
			Description: directory.Localized{
				FR: fmt.Sprintf("%s agit depuis %d pour %s. Organisation fictive générée pour les tests de charge (graine %d, n° %d).", name, founded, objective, seed, i),
				EN: fmt.Sprintf("%s has worked since %d on %s. Fictional organisation generated for load tests (seed %d, no. %d).", name, founded, Themes[indexOf(themeSlugs, themes[0])].NameEN, seed, i),
			},
			Mission: directory.Localized{
				FR: "Agir pour " + objective + " avec les communautés locales.",
				EN: "Working with local communities on " + strings.ToLower(Themes[indexOf(themeSlugs, themes[0])].NameEN) + ".",
			},
			Website: "https://" + domain,
			Email:   "contact@" + domain,
			Phone:   fmt.Sprintf("+352 %03d %03d", r.IntN(1000), r.IntN(1000)),
			Status:  directory.StatusPublished,
		},
		ThemeSlugs: themes,
	}
	switch n := r.IntN(100); {
	case n < 2:
		o.Status = directory.StatusDraft
	case n < 4:
		o.Status = directory.StatusPending
	}
	if r.IntN(4) == 0 {
		o.NewsletterURL = "https://" + domain + "/newsletter"
	}
	if r.IntN(3) == 0 {
		// A scheme the profile form offers (its value has XI-IATI's
		// shape), so an owner can save a synthetic profile as it is.
		o.Identifiers = []directory.Identifier{{Scheme: "XI-IATI", Value: slug}}
	}
	for _, network := range sample(r, directory.SocialNetworks, r.IntN(3)) {
		o.SocialLinks = append(o.SocialLinks, directory.SocialLink{Network: network, URL: "https://" + network + ".example.org/" + slug})
	}
	verified := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(700))
	o.LastVerifiedOn = &verified

	// Offices: a headquarters (often in Europe for international NGOs),
	// then regional, country and field offices.
	nOffices := weighted(r, officeCounts)
	countries := map[string]bool{}
	for k := 0; k < nOffices; k++ {
		p := home
		kindName := directory.OfficeHeadquarters
		if k == 0 && kind == directory.KindInternational {
			p = placeIn(r, northern)
		} else if k > 0 {
			p = places[r.IntN(len(places))]
			kindName = officeKinds[r.IntN(len(officeKinds))]
		}
		lat, lon := p.lat, p.lon
		f := directory.Office{
			Name:       officeName(kindName, p.city, k),
			Kind:       kindName,
			Address:    fmt.Sprintf("%d rue des Partenaires", 1+r.IntN(120)),
			PostalCode: strconv.Itoa(1000 + r.IntN(9000)),
			City:       p.city,
			Country:    p.country,
			OpenedYear: founded + r.IntN(2025-founded),
			Email:      fmt.Sprintf("bureau%d@%s", k+1, domain),
			Position:   k,
		}
		if r.IntN(2) == 0 {
			f.Latitude, f.Longitude = &lat, &lon
		}
		if kindName == directory.OfficeRegional {
			f.Covers = []string{places[r.IntN(len(places))].country}
		}
		countries[p.country] = true
		o.Offices = append(o.Offices, f)
	}
	// Countries of operation: the offices' countries, the home country and
	// perhaps one more.
	countries[home.country] = true
	for k := r.IntN(2); k > 0; k-- {
		countries[places[r.IntN(len(places))].country] = true
	}
	for _, p := range places { // places' order keeps this deterministic
		if countries[p.country] {
			o.Countries = append(o.Countries, p.country)
			delete(countries, p.country)
		}
	}

	for k, n := 0, weighted(r, memberCounts); k < n; k++ {
		m := directory.NewMember{Member: directory.Member{
			FullName:   pick(firstNames) + " " + pick(lastNames),
			RoleTitle:  pick(roles),
			JoinedYear: founded + r.IntN(2025-founded),
			Public:     r.IntN(5) != 0,
			Position:   k,
		}}
		if r.IntN(3) == 0 {
			m.Email = fmt.Sprintf("membre%d@%s", k+1, domain)
		}
		if len(o.Offices) > 0 && r.IntN(4) != 0 {
			m.Office = o.Offices[r.IntN(len(o.Offices))].Name
		}
		o.Members = append(o.Members, m)
	}

	for k, n := 0, weighted(r, projectCounts); k < n; k++ {
		theme := themes[r.IntN(len(themes))]
		obj := pick(projectObjects[theme])
		start := time.Date(2015+r.IntN(10), time.Month(1+r.IntN(12)), 1, 0, 0, 0, 0, time.UTC)
		end := start.AddDate(1+r.IntN(4), 0, 0)
		p := directory.NewProject{
			ThemeSlugs: []string{theme},
			Project: directory.Project{
				Slug:          fmt.Sprintf("projet-%d", k+1),
				Title:         pick(projectVerbs) + " " + obj,
				Summary:       directory.Localized{FR: "Projet fictif : " + obj + ".", EN: "Fictional project on " + strings.ToLower(Themes[indexOf(themeSlugs, theme)].NameEN) + "."},
				Status:        directory.ProjectStatus(1 + r.IntN(4)),
				PlannedStart:  &start,
				PlannedEnd:    &end,
				SupportSought: []directory.SupportKind{directory.SupportKinds()[r.IntN(5)]},
				Countries:     []string{o.Countries[r.IntN(len(o.Countries))]},
				Position:      k,
			},
		}
		if len(o.Offices) > 0 {
			p.LeadOffice = o.Offices[r.IntN(len(o.Offices))].Name
		}
		o.Projects = append(o.Projects, p)
	}

	o.Contacts = []directory.NewContact{{ContactPoint: directory.ContactPoint{
		Name: "Offres de soutien — " + name, Email: "offres@" + domain, RoleCode: 1,
	}}}
	return o
}

// How many offices, team members and projects an organisation has, as
// weights by count from 0: most partners are small, a few are large.
var (
	officeCounts  = []int{15, 45, 22, 11, 7}
	memberCounts  = []int{0, 20, 25, 20, 15, 10, 10}
	projectCounts = []int{20, 30, 22, 13, 9, 6}
)

// weighted returns i with a probability proportional to weights[i].
func weighted(r *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

func weightedKind(r *rand.Rand) directory.Kind {
	total := 0
	for _, k := range kindWeights {
		total += k.weight
	}
	n := r.IntN(total)
	for _, k := range kindWeights {
		if n < k.weight {
			return k.kind
		}
		n -= k.weight
	}
	return directory.KindOther
}

// sample returns n distinct elements of s in a random order.
func sample(r *rand.Rand, s []string, n int) []string {
	idx := r.Perm(len(s))[:min(n, len(s))]
	out := make([]string, len(idx))
	for i, j := range idx {
		out[i] = s[j]
	}
	return out
}

func placeIn(r *rand.Rand, countries []string) place {
	want := countries[r.IntN(len(countries))]
	for _, p := range places {
		if p.country == want {
			return p
		}
	}
	return places[0]
}

func officeName(kind, city string, k int) string {
	switch kind {
	case directory.OfficeHeadquarters:
		return "Siège — " + city
	case directory.OfficeRegional:
		return fmt.Sprintf("Bureau régional — %s (%d)", city, k)
	case directory.OfficeCountry:
		return fmt.Sprintf("Bureau pays — %s (%d)", city, k)
	}
	return fmt.Sprintf("Antenne de terrain — %s (%d)", city, k)
}

// acronym is the initials of name's capitalised words, when there are
// at least three.
func acronym(name string) string {
	var b strings.Builder
	for _, w := range strings.Fields(name) {
		r := []rune(w)[0]
		if r >= 'A' && r <= 'Z' {
			b.WriteRune(r)
		}
	}
	if b.Len() < 3 {
		return ""
	}
	return b.String()
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return 0
}
