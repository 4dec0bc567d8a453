package demo

import (
	d "github.com/partnerdir/partnerdir/internal/directory"
)

// Organisations returns the demo organisations. ECPAT Luxembourg comes
// first; every other one is fictional and uses example.org addresses.
func Organisations() []*d.NewOrganisation {
	return withIdentifiers([]*d.NewOrganisation{
		ecpatLuxembourg(),
		simple("sahel-eau-vive", "Sahel Eau Vive", "SEV", d.KindNational, 2004,
			"Sahel Eau Vive creuse et entretient des puits et des forages avec les comités villageois de la région de Tillabéri.",
			"Sahel Eau Vive drills and maintains wells and boreholes with village committees in the Tillabéri region.",
			[]string{"water-sanitation", "health"}, []string{"NE"},
			office("Siège — Niamey", d.OfficeHeadquarters, "Niamey", "NE", 2004),
			[]d.SupportKind{d.SupportDonation, d.SupportSkills, d.SupportGoods}),
		simple("ecoles-du-fleuve", "Écoles du Fleuve", "EDF", d.KindNational, 1998,
			"Écoles du Fleuve ouvre des classes passerelles pour les enfants non scolarisés le long du fleuve Sénégal.",
			"Écoles du Fleuve runs bridging classes for out-of-school children along the Senegal river.",
			[]string{"education", "child-protection"}, []string{"SN", "MR"},
			office("Siège — Saint-Louis", d.OfficeHeadquarters, "Saint-Louis", "SN", 1998),
			[]d.SupportKind{d.SupportVolunteering, d.SupportGoods, d.SupportDonation}),
		multiOffice(),
		simple("fondation-lumiere-du-nord", "Fondation Lumière du Nord", "", d.KindFoundation, 2012,
			"La Fondation Lumière du Nord finance des bourses d'études pour les jeunes filles au Luxembourg et au Burkina Faso.",
			"The Lumière du Nord Foundation funds scholarships for girls in Luxembourg and Burkina Faso.",
			[]string{"education", "gender-equality"}, []string{"LU", "BF"},
			office("Siège — Esch-sur-Alzette", d.OfficeHeadquarters, "Esch-sur-Alzette", "LU", 2012),
			[]d.SupportKind{d.SupportPartnership, d.SupportDonation}),
		simple("cooperative-karite-solidaire", "Coopérative Karité Solidaire", "CKS", d.KindPartnerCountry, 2009,
			"Une coopérative de femmes qui transforme et vend le beurre de karité, et forme ses membres à la gestion.",
			"A women's cooperative that processes and sells shea butter and trains its members in management.",
			[]string{"livelihoods", "gender-equality"}, []string{"BF"},
			office("Siège — Bobo-Dioulasso", d.OfficeHeadquarters, "Bobo-Dioulasso", "BF", 2009),
			[]d.SupportKind{d.SupportSkills, d.SupportPartnership}),
		simple("sante-pour-tous-cameroun", "Santé pour Tous Cameroun", "SPTC", d.KindNational, 2001,
			"Des cliniques mobiles et des agents de santé communautaires dans les régions du Nord et de l'Extrême-Nord.",
			"Mobile clinics and community health workers in Cameroon's North and Far North regions.",
			[]string{"health", "emergency-relief"}, []string{"CM", "TD"},
			office("Siège — Garoua", d.OfficeHeadquarters, "Garoua", "CM", 2001),
			[]d.SupportKind{d.SupportDonation, d.SupportGoods, d.SupportSkills}),
		simple("terres-vertes-benin", "Terres Vertes Bénin", "", d.KindNational, 2015,
			"Terres Vertes accompagne les agriculteurs vers l'agroécologie et replante des mangroves sur le littoral.",
			"Terres Vertes helps farmers move to agroecology and replants mangroves along the coast.",
			[]string{"environment", "food-security"}, []string{"BJ", "TG"},
			office("Siège — Cotonou", d.OfficeHeadquarters, "Cotonou", "BJ", 2015),
			[]d.SupportKind{d.SupportVolunteering, d.SupportDonation}),
		simple("accueil-sans-frontieres-luxembourg", "Accueil Sans Frontières Luxembourg", "ASFL", d.KindNational, 2016,
			"Cours de langue, aide administrative et parrainage pour les personnes réfugiées arrivées au Luxembourg.",
			"Language classes, paperwork help and mentoring for refugees arriving in Luxembourg.",
			[]string{"migration", "human-rights-solidarity"}, []string{"LU"},
			office("Siège — Luxembourg", d.OfficeHeadquarters, "Luxembourg", "LU", 2016),
			[]d.SupportKind{d.SupportVolunteering, d.SupportSkills, d.SupportGoods}),
		simple("mains-ouvertes-madagascar", "Mains Ouvertes Madagascar", "MOM", d.KindPartnerCountry, 2007,
			"Ateliers d'appareillage orthopédique et inclusion scolaire des enfants handicapés à Antananarivo.",
			"Orthopaedic workshops and school inclusion for disabled children in Antananarivo.",
			[]string{"disability", "health", "child-protection"}, []string{"MG"},
			office("Siège — Antananarivo", d.OfficeHeadquarters, "Antananarivo", "MG", 2007),
			[]d.SupportKind{d.SupportSkills, d.SupportGoods, d.SupportDonation}),
		simple("reseau-alimentaire-du-sahel", "Réseau Alimentaire du Sahel", "RAS", d.KindRegional, 2010,
			"Un réseau régional de banques de céréales et de greniers communautaires au Mali, au Niger et au Burkina Faso.",
			"A regional network of cereal banks and community granaries in Mali, Niger and Burkina Faso.",
			[]string{"food-security", "livelihoods"}, []string{"ML", "NE", "BF"},
			office("Siège — Ouagadougou", d.OfficeHeadquarters, "Ouagadougou", "BF", 2010),
			[]d.SupportKind{d.SupportDonation, d.SupportPartnership}),
		simple("institut-droits-enfant-dakar", "Institut des Droits de l'Enfant de Dakar", "IDED", d.KindAcademic, 2005,
			"Recherche et formation des magistrats et travailleurs sociaux sur la justice pour mineurs.",
			"Research and training for judges and social workers on juvenile justice.",
			[]string{"child-protection", "human-rights-solidarity", "education"}, []string{"SN", "ML", "GN"},
			office("Siège — Dakar", d.OfficeHeadquarters, "Dakar", "SN", 2005),
			[]d.SupportKind{d.SupportSkills, d.SupportPartnership}),
		noOfficeAbroad(),
		simple("urgence-haiti-solidarite", "Urgence Haïti Solidarité", "UHS", d.KindInternational, 2010,
			"Réponse d'urgence après les catastrophes et reconstruction d'écoles parasismiques en Haïti.",
			"Disaster response and reconstruction of earthquake-resistant schools in Haiti.",
			[]string{"emergency-relief", "education"}, []string{"HT"},
			office("Siège — Port-au-Prince", d.OfficeHeadquarters, "Port-au-Prince", "HT", 2010),
			[]d.SupportKind{d.SupportDonation, d.SupportGoods, d.SupportVolunteering}),
	})
}

// identifiers are the fictional demo organisations' org-id.guide
// registrations: values in each register's format, invented for the
// demonstration (ECPAT Luxembourg, a real organisation, has none here).
var identifiers = map[string][]d.Identifier{
	"fondation-lumiere-du-nord":          {{Scheme: "LU-RCS", Value: "G999012"}},
	"accueil-sans-frontieres-luxembourg": {{Scheme: "LU-RCS", Value: "F999016"}},
	"partage-luxembourg-afrique":         {{Scheme: "LU-RCS", Value: "F999085"}},
	"enfance-et-avenir-international":    {{Scheme: "FR-RNA", Value: "W699990092"}},
}

// withIdentifiers gives the organisations of os their identifiers.
func withIdentifiers(os []*d.NewOrganisation) []*d.NewOrganisation {
	for _, o := range os {
		o.Identifiers = identifiers[o.Slug]
	}
	return os
}

func ecpatLuxembourg() *d.NewOrganisation {
	lat, lon := coords(12.6392, -8.0029)
	// The city of Luxembourg's coordinates, for the office map.
	hqLat, hqLon := coords(49.6116, 6.1319)
	return &d.NewOrganisation{
		Organisation: d.Organisation{
			Slug:          "ecpat-luxembourg",
			Name:          "ECPAT Luxembourg",
			AlternateName: "ECPAT",
			Kind:          d.KindInternational,
			Description: d.Localized{
				FR: "ECPAT Luxembourg est une ONG qui lutte contre l'exploitation sexuelle des enfants à des fins commerciales (ESEC). " +
					"Elle travaille avec des partenaires locaux au Mali depuis 2001, où elle est aussi enregistrée comme ONG. " +
					"Son siège est au Luxembourg ; son bureau exécutif régional de Bamako, ouvert en 2007, coordonne les projets de coopération en Afrique de l'Ouest. " +
					"Une lettre d'information électronique mensuelle rend compte de ses actions.",
				EN: "ECPAT Luxembourg is an NGO fighting the commercial sexual exploitation of children (CSEC). " +
					"It has worked with local partners in Mali since 2001, where it is also registered as an NGO. " +
					"Its headquarters are in Luxembourg; its regional executive office in Bamako, opened in 2007, coordinates the cooperation projects in West Africa. " +
					"A monthly electronic newsletter reports on its work.",
			},
			Mission: d.Localized{
				FR: "Mettre fin à l'exploitation sexuelle des enfants à des fins commerciales, avec les acteurs locaux.",
				EN: "Ending the commercial sexual exploitation of children, together with local actors.",
			},
			Website:        "https://www.ecpat.lu",
			NewsletterURL:  "https://www.ecpat.lu",
			Status:         d.StatusPublished,
			LastVerifiedOn: date(2026, 11, 2),
			Countries:      []string{"LU", "ML"},
			SocialLinks: []d.SocialLink{
				{Network: "facebook", URL: "https://www.facebook.com/ecpatlux"},
				{Network: "linkedin", URL: "https://www.linkedin.com/company/ecpat-luxembourg"},
			},
		},
		ThemeSlugs: []string{"human-rights-solidarity", "child-protection"},
		Offices: []d.Office{
			{Name: "Siège — Luxembourg", Kind: d.OfficeHeadquarters, City: "Luxembourg", Country: "LU", Latitude: hqLat, Longitude: hqLon},
			{Name: "Bureau exécutif régional — Bamako", Kind: d.OfficeRegional, City: "Bamako", Country: "ML",
				OpenedYear: 2007, Latitude: lat, Longitude: lon, Covers: []string{"ML"}, Position: 1},
		},
		Members: []d.NewMember{
			{Office: "Bureau exécutif régional — Bamako", Member: d.Member{
				FullName: "Fabienne", RoleTitle: "Représentante légale et coordinatrice de projets",
				Responsibilities: "Représentation légale d'ECPAT Luxembourg au Mali et coordination des projets.",
				Bio:              "Au Mali pour ECPAT Luxembourg depuis 2007.", JoinedYear: 2007, Public: true, Position: 0}},
			{Office: "Bureau exécutif régional — Bamako", Member: d.Member{
				FullName: "Boubacar", RoleTitle: "Finances et administration",
				Responsibilities: "Gestion financière et administrative du bureau de Bamako.",
				Bio:              "Titulaire d'un master en management de l'École nationale d'administration de Bamako ; a rejoint l'équipe en 2010.",
				JoinedYear:       2010, Public: true, Position: 1}},
			{Office: "Bureau exécutif régional — Bamako", Member: d.Member{
				FullName: "Halimatou", RoleTitle: "Gestion de projets",
				Responsibilities: "Gestion des projets et suivi juridique des dossiers de plainte des victimes mineures.",
				Bio: "Juriste. Assistante juridique à partir de mai 2013, elle a suivi les dossiers de plainte des victimes mineures " +
					"devant les tribunaux et la Cour d'appel de Bamako ; chargée de projets depuis juin 2015.",
				JoinedYear: 2013, Public: true, Position: 2}},
		},
		Projects: []d.NewProject{
			{LeadOffice: "Bureau exécutif régional — Bamako", ThemeSlugs: []string{"child-protection", "education"}, Project: d.Project{
				Slug: "mallette-formation-esec", Title: "Mallette de formation sur l'ESEC",
				Summary: d.Localized{
					FR: "Une mallette pédagogique pour former les acteurs de terrain à l'exploitation sexuelle des enfants à des fins commerciales — une première au Mali.",
					EN: "A training box that teaches field workers about the commercial sexual exploitation of children (CSEC) — a first in Mali.",
				},
				// The communiqué of 13 October 2016 (news.go) reports the box
				// in preparation: the one date the demo's sources give. Its
				// end is planned for no day we know, so none is shown.
				Status: d.ProjectImplementation, Countries: []string{"ML"}, Position: 0, ActualStart: date(2016, 10, 13),
				SupportSought: []d.SupportKind{d.SupportSkills, d.SupportDonation}}},
			{LeadOffice: "Bureau exécutif régional — Bamako", ThemeSlugs: []string{"child-protection", "human-rights-solidarity"}, Project: d.Project{
				Slug: "suivi-juridique-victimes-mineures", Title: "Suivi juridique des plaintes des victimes mineures",
				Summary: d.Localized{
					FR: "Accompagnement juridique des enfants victimes et suivi de leurs plaintes devant les tribunaux et la Cour d'appel de Bamako.",
					EN: "Legal support for child victims and follow-up of their complaints before the courts and the Court of Appeal of Bamako.",
				},
				Status: d.ProjectImplementation, Countries: []string{"ML"}, Position: 1, ActualStart: date(2013, 5, 1),
				SupportSought: []d.SupportKind{d.SupportDonation, d.SupportSkills}}},
			{LeadOffice: "Bureau exécutif régional — Bamako", ThemeSlugs: []string{"child-protection"}, Project: d.Project{
				Slug: "centres-assistance-sociale-bamako", Title: "Appui aux centres d'assistance sociale de Bamako",
				Summary: d.Localized{
					FR: "Soutien aux centres d'assistance sociale de Bamako et travail de rue auprès des enfants exposés.",
					EN: "Support to social assistance centres in Bamako, with street outreach to children at risk.",
				},
				Status: d.ProjectImplementation, Countries: []string{"ML"}, Position: 2,
				SupportSought: []d.SupportKind{d.SupportVolunteering, d.SupportGoods, d.SupportDonation}}},
			{LeadOffice: "Bureau exécutif régional — Bamako", ThemeSlugs: []string{"child-protection", "education"}, Project: d.Project{
				Slug: "information-education-sensibilisation", Title: "Information, éducation et sensibilisation",
				Summary: d.Localized{
					FR: "Actions d'information, d'éducation et de sensibilisation dans les villages et en milieu urbain.",
					EN: "Information, education and awareness actions in villages and urban areas.",
				},
				Status: d.ProjectImplementation, Countries: []string{"ML"}, Position: 3,
				SupportSought: []d.SupportKind{d.SupportVolunteering, d.SupportPartnership}}},
		},
		Contacts: []d.NewContact{
			{ContactPoint: d.ContactPoint{Name: "ECPAT Luxembourg", Email: "c.wantz@ecpat.lu", RoleCode: 1}},
		},
	}
}

// multiOffice is a fictional international NGO with offices in four
// countries, per-office contacts and routing rules.
func multiOffice() *d.NewOrganisation {
	o := simple("enfance-et-avenir-international", "Enfance et Avenir International", "EAI", d.KindInternational, 1992,
		"Enfance et Avenir International protège les enfants des rues et soutient leur réinsertion familiale et scolaire en Afrique de l'Ouest.",
		"Enfance et Avenir International protects street children and supports their return to family and school in West Africa.",
		[]string{"child-protection", "education", "human-rights-solidarity"}, []string{"FR", "ML", "SN", "CI", "BF"},
		office("Siège — Lyon", d.OfficeHeadquarters, "Lyon", "FR", 1992),
		[]d.SupportKind{d.SupportDonation, d.SupportVolunteering, d.SupportSkills})
	o.Offices = append(o.Offices,
		d.Office{Name: "Bureau régional — Dakar", Kind: d.OfficeRegional, City: "Dakar", Country: "SN", OpenedYear: 2003,
			Covers: []string{"SN", "ML", "BF"}, Email: "dakar@enfance-avenir.example.org", Position: 1},
		d.Office{Name: "Bureau pays — Abidjan", Kind: d.OfficeCountry, City: "Abidjan", Country: "CI", OpenedYear: 2011, Position: 2},
		d.Office{Name: "Antenne — Mopti", Kind: d.OfficeField, City: "Mopti", Country: "ML", OpenedYear: 2014, Position: 3},
	)
	o.Members = append(o.Members,
		d.NewMember{Office: "Bureau régional — Dakar", Member: d.Member{FullName: "Awa Ndiaye (fictive)", RoleTitle: "Directrice régionale", JoinedYear: 2008, Public: true, Position: 1}},
		d.NewMember{Office: "Antenne — Mopti", Member: d.Member{FullName: "Seydou Traoré (fictif)", RoleTitle: "Éducateur de rue", JoinedYear: 2015, Public: true, Position: 2}},
		d.NewMember{Office: "Bureau pays — Abidjan", Member: d.Member{FullName: "Private Person (fictive)", RoleTitle: "Comptable", Public: false, Position: 3}},
	)
	o.Contacts = append(o.Contacts,
		d.NewContact{Office: "Bureau régional — Dakar", ContactPoint: d.ContactPoint{Name: "Bénévolat Afrique de l'Ouest", Email: "benevolat@enfance-avenir.example.org", RoleCode: 2}},
		d.NewContact{ContactPoint: d.ContactPoint{Name: "Service donateurs", Email: "dons@enfance-avenir.example.org", RoleCode: 3}},
	)
	// Fictional registrations and project dates, to show them.
	o.Identifiers = []d.Identifier{{Scheme: "FR-RNA", Value: "W691000000"}, {Scheme: "FR-SIRET", Value: "00000000000000"}}
	o.Projects[0].PlannedStart, o.Projects[0].ActualStart, o.Projects[0].PlannedEnd = date(2024, 1, 1), date(2024, 3, 4), date(2027, 12, 31)
	o.Offices[0].Latitude, o.Offices[0].Longitude = coords(45.764, 4.8357)
	o.Offices[1].Latitude, o.Offices[1].Longitude = coords(14.7167, -17.4677)
	o.Offices[2].Latitude, o.Offices[2].Longitude = coords(5.36, -4.0083)
	o.Offices[3].Latitude, o.Offices[3].Longitude = coords(14.4843, -4.1828)
	o.Rules = []d.NewRule{
		{Kind: d.SupportVolunteering, Office: "Bureau régional — Dakar", Contact: "benevolat@enfance-avenir.example.org"},
		{Kind: d.SupportDonation, Contact: "dons@enfance-avenir.example.org"},
	}
	return o
}

// noOfficeAbroad is a fictional Luxembourg NGO that works abroad only
// through partners: one office, several countries of operation.
func noOfficeAbroad() *d.NewOrganisation {
	o := simple("partage-luxembourg-afrique", "Partage Luxembourg–Afrique", "PLA", d.KindNational, 1985,
		"Une petite association de bénévoles luxembourgeois qui finance des projets de partenaires locaux, sans bureau à l'étranger.",
		"A small association of Luxembourg volunteers funding projects run by local partners, with no office abroad.",
		[]string{"human-rights-solidarity", "water-sanitation", "education"}, []string{"LU", "ML", "BF", "NE", "SN"},
		office("Siège — Differdange", d.OfficeHeadquarters, "Differdange", "LU", 1985),
		[]d.SupportKind{d.SupportDonation, d.SupportVolunteering})
	// A fictional association number (section F of the register).
	o.Identifiers = []d.Identifier{{Scheme: "LU-RCS", Value: "F0000"}}
	o.Offices[0].Latitude, o.Offices[0].Longitude = coords(49.5242, 5.8914)
	o.Projects[0].PlannedStart, o.Projects[0].PlannedEnd = date(2025, 9, 1), date(2028, 8, 31)
	return o
}

func office(name, kind, city, country string, opened int) d.Office {
	return d.Office{Name: name, Kind: kind, City: city, Country: country, OpenedYear: opened}
}

// simple builds a fictional published organisation with one office, one
// member, one project and a default contact at example.org.
func simple(slug, name, acronym string, kind d.Kind, founded int, fr, en string,
	themes, countries []string, hq d.Office, support []d.SupportKind) *d.NewOrganisation {
	domain := slug + ".example.org"
	return &d.NewOrganisation{
		Organisation: d.Organisation{
			Slug: slug, Name: name, AlternateName: acronym, Kind: kind, FoundedYear: founded,
			Description: d.Localized{FR: fr + " (Organisation fictive de démonstration.)", EN: en + " (Fictional demonstration organisation.)"},
			Mission:     d.Localized{FR: fr, EN: en},
			Website:     "https://" + domain, Email: "contact@" + domain,
			Status: d.StatusPublished, Countries: countries,
			SocialLinks: []d.SocialLink{{Network: "facebook", URL: "https://facebook.example.org/" + slug}},
		},
		ThemeSlugs: themes,
		Offices:    []d.Office{hq},
		Members: []d.NewMember{{Office: hq.Name, Member: d.Member{
			FullName: "Coordination (fictive)", RoleTitle: "Coordination générale", Public: true}}},
		Projects: []d.NewProject{{LeadOffice: hq.Name, ThemeSlugs: themes, Project: d.Project{
			Slug: "programme-principal", Title: "Programme principal — " + name,
			Summary: d.Localized{FR: fr, EN: en}, Status: d.ProjectImplementation,
			Countries: countries, SupportSought: support}}},
		Contacts: []d.NewContact{{ContactPoint: d.ContactPoint{Name: name, Email: "offres@" + domain, RoleCode: 1}}},
	}
}
