-- The partner directory: organisations and everything on their public profile.
-- Names and codes follow open standards so the data can be exchanged later:
-- Open Referral HSDS (organisation, location, contact), IATI code lists
-- (OrganisationType, ActivityStatus, ContactType) and org-id.guide schemes.

-- +goose Up
CREATE TABLE countries (
    code    char(2) PRIMARY KEY CHECK (code ~ '^[A-Z]{2}$'),
    name_en text NOT NULL,
    name_fr text NOT NULL
);
COMMENT ON TABLE countries IS 'ISO 3166-1 alpha-2 countries, names in English and French.';

INSERT INTO countries (code, name_en, name_fr) VALUES
('AD', 'Andorra', 'Andorre'),
('AE', 'United Arab Emirates', 'Émirats arabes unis'),
('AF', 'Afghanistan', 'Afghanistan'),
('AG', 'Antigua & Barbuda', 'Antigua-et-Barbuda'),
('AI', 'Anguilla', 'Anguilla'),
('AL', 'Albania', 'Albanie'),
('AM', 'Armenia', 'Arménie'),
('AO', 'Angola', 'Angola'),
('AQ', 'Antarctica', 'Antarctique'),
('AR', 'Argentina', 'Argentine'),
('AS', 'American Samoa', 'Samoa américaines'),
('AT', 'Austria', 'Autriche'),
('AU', 'Australia', 'Australie'),
('AW', 'Aruba', 'Aruba'),
('AX', 'Åland Islands', 'Îles Åland'),
('AZ', 'Azerbaijan', 'Azerbaïdjan'),
('BA', 'Bosnia & Herzegovina', 'Bosnie-Herzégovine'),
('BB', 'Barbados', 'Barbade'),
('BD', 'Bangladesh', 'Bangladesh'),
('BE', 'Belgium', 'Belgique'),
('BF', 'Burkina Faso', 'Burkina Faso'),
('BG', 'Bulgaria', 'Bulgarie'),
('BH', 'Bahrain', 'Bahreïn'),
('BI', 'Burundi', 'Burundi'),
('BJ', 'Benin', 'Bénin'),
('BL', 'St. Barthélemy', 'Saint-Barthélemy'),
('BM', 'Bermuda', 'Bermudes'),
('BN', 'Brunei', 'Brunéi Darussalam'),
('BO', 'Bolivia', 'Bolivie'),
('BQ', 'Caribbean Netherlands', 'Pays-Bas caribéens'),
('BR', 'Brazil', 'Brésil'),
('BS', 'Bahamas', 'Bahamas'),
('BT', 'Bhutan', 'Bhoutan'),
('BV', 'Bouvet Island', 'Île Bouvet'),
('BW', 'Botswana', 'Botswana'),
('BY', 'Belarus', 'Biélorussie'),
('BZ', 'Belize', 'Belize'),
('CA', 'Canada', 'Canada'),
('CC', 'Cocos (Keeling) Islands', 'Îles Cocos'),
('CD', 'Congo - Kinshasa', 'Congo-Kinshasa'),
('CF', 'Central African Republic', 'République centrafricaine'),
('CG', 'Congo - Brazzaville', 'Congo-Brazzaville'),
('CH', 'Switzerland', 'Suisse'),
('CI', 'Côte d’Ivoire', 'Côte d’Ivoire'),
('CK', 'Cook Islands', 'Îles Cook'),
('CL', 'Chile', 'Chili'),
('CM', 'Cameroon', 'Cameroun'),
('CN', 'China', 'Chine'),
('CO', 'Colombia', 'Colombie'),
('CR', 'Costa Rica', 'Costa Rica'),
('CU', 'Cuba', 'Cuba'),
('CV', 'Cape Verde', 'Cap-Vert'),
('CW', 'Curaçao', 'Curaçao'),
('CX', 'Christmas Island', 'Île Christmas'),
('CY', 'Cyprus', 'Chypre'),
('CZ', 'Czechia', 'Tchéquie'),
('DE', 'Germany', 'Allemagne'),
('DJ', 'Djibouti', 'Djibouti'),
('DK', 'Denmark', 'Danemark'),
('DM', 'Dominica', 'Dominique'),
('DO', 'Dominican Republic', 'République dominicaine'),
('DZ', 'Algeria', 'Algérie'),
('EC', 'Ecuador', 'Équateur'),
('EE', 'Estonia', 'Estonie'),
('EG', 'Egypt', 'Égypte'),
('EH', 'Western Sahara', 'Sahara occidental'),
('ER', 'Eritrea', 'Érythrée'),
('ES', 'Spain', 'Espagne'),
('ET', 'Ethiopia', 'Éthiopie'),
('FI', 'Finland', 'Finlande'),
('FJ', 'Fiji', 'Fidji'),
('FK', 'Falkland Islands', 'Îles Malouines'),
('FM', 'Micronesia', 'États fédérés de Micronésie'),
('FO', 'Faroe Islands', 'Îles Féroé'),
('FR', 'France', 'France'),
('GA', 'Gabon', 'Gabon'),
('GB', 'United Kingdom', 'Royaume-Uni'),
('GD', 'Grenada', 'Grenade'),
('GE', 'Georgia', 'Géorgie'),
('GF', 'French Guiana', 'Guyane française'),
('GG', 'Guernsey', 'Guernesey'),
('GH', 'Ghana', 'Ghana'),
('GI', 'Gibraltar', 'Gibraltar'),
('GL', 'Greenland', 'Groenland'),
('GM', 'Gambia', 'Gambie'),
('GN', 'Guinea', 'Guinée'),
('GP', 'Guadeloupe', 'Guadeloupe'),
('GQ', 'Equatorial Guinea', 'Guinée équatoriale'),
('GR', 'Greece', 'Grèce'),
('GS', 'South Georgia & South Sandwich Islands', 'Géorgie du Sud et îles Sandwich du Sud'),
('GT', 'Guatemala', 'Guatemala'),
('GU', 'Guam', 'Guam'),
('GW', 'Guinea-Bissau', 'Guinée-Bissau'),
('GY', 'Guyana', 'Guyana'),
('HK', 'Hong Kong SAR China', 'R.A.S. chinoise de Hong Kong'),
('HM', 'Heard & McDonald Islands', 'Îles Heard et McDonald'),
('HN', 'Honduras', 'Honduras'),
('HR', 'Croatia', 'Croatie'),
('HT', 'Haiti', 'Haïti'),
('HU', 'Hungary', 'Hongrie'),
('ID', 'Indonesia', 'Indonésie'),
('IE', 'Ireland', 'Irlande'),
('IL', 'Israel', 'Israël'),
('IM', 'Isle of Man', 'Île de Man'),
('IN', 'India', 'Inde'),
('IO', 'British Indian Ocean Territory', 'Territoire britannique de l’océan Indien'),
('IQ', 'Iraq', 'Irak'),
('IR', 'Iran', 'Iran'),
('IS', 'Iceland', 'Islande'),
('IT', 'Italy', 'Italie'),
('JE', 'Jersey', 'Jersey'),
('JM', 'Jamaica', 'Jamaïque'),
('JO', 'Jordan', 'Jordanie'),
('JP', 'Japan', 'Japon'),
('KE', 'Kenya', 'Kenya'),
('KG', 'Kyrgyzstan', 'Kirghizistan'),
('KH', 'Cambodia', 'Cambodge'),
('KI', 'Kiribati', 'Kiribati'),
('KM', 'Comoros', 'Comores'),
('KN', 'St. Kitts & Nevis', 'Saint-Christophe-et-Niévès'),
('KP', 'North Korea', 'Corée du Nord'),
('KR', 'South Korea', 'Corée du Sud'),
('KW', 'Kuwait', 'Koweït'),
('KY', 'Cayman Islands', 'Îles Caïmans'),
('KZ', 'Kazakhstan', 'Kazakhstan'),
('LA', 'Laos', 'Laos'),
('LB', 'Lebanon', 'Liban'),
('LC', 'St. Lucia', 'Sainte-Lucie'),
('LI', 'Liechtenstein', 'Liechtenstein'),
('LK', 'Sri Lanka', 'Sri Lanka'),
('LR', 'Liberia', 'Libéria'),
('LS', 'Lesotho', 'Lesotho'),
('LT', 'Lithuania', 'Lituanie'),
('LU', 'Luxembourg', 'Luxembourg'),
('LV', 'Latvia', 'Lettonie'),
('LY', 'Libya', 'Libye'),
('MA', 'Morocco', 'Maroc'),
('MC', 'Monaco', 'Monaco'),
('MD', 'Moldova', 'Moldavie'),
('ME', 'Montenegro', 'Monténégro'),
('MF', 'St. Martin', 'Saint-Martin'),
('MG', 'Madagascar', 'Madagascar'),
('MH', 'Marshall Islands', 'Îles Marshall'),
('MK', 'Macedonia', 'Macédoine'),
('ML', 'Mali', 'Mali'),
('MM', 'Myanmar (Burma)', 'Myanmar (Birmanie)'),
('MN', 'Mongolia', 'Mongolie'),
('MO', 'Macau SAR China', 'R.A.S. chinoise de Macao'),
('MP', 'Northern Mariana Islands', 'Îles Mariannes du Nord'),
('MQ', 'Martinique', 'Martinique'),
('MR', 'Mauritania', 'Mauritanie'),
('MS', 'Montserrat', 'Montserrat'),
('MT', 'Malta', 'Malte'),
('MU', 'Mauritius', 'Maurice'),
('MV', 'Maldives', 'Maldives'),
('MW', 'Malawi', 'Malawi'),
('MX', 'Mexico', 'Mexique'),
('MY', 'Malaysia', 'Malaisie'),
('MZ', 'Mozambique', 'Mozambique'),
('NA', 'Namibia', 'Namibie'),
('NC', 'New Caledonia', 'Nouvelle-Calédonie'),
('NE', 'Niger', 'Niger'),
('NF', 'Norfolk Island', 'Île Norfolk'),
('NG', 'Nigeria', 'Nigéria'),
('NI', 'Nicaragua', 'Nicaragua'),
('NL', 'Netherlands', 'Pays-Bas'),
('NO', 'Norway', 'Norvège'),
('NP', 'Nepal', 'Népal'),
('NR', 'Nauru', 'Nauru'),
('NU', 'Niue', 'Niue'),
('NZ', 'New Zealand', 'Nouvelle-Zélande'),
('OM', 'Oman', 'Oman'),
('PA', 'Panama', 'Panama'),
('PE', 'Peru', 'Pérou'),
('PF', 'French Polynesia', 'Polynésie française'),
('PG', 'Papua New Guinea', 'Papouasie-Nouvelle-Guinée'),
('PH', 'Philippines', 'Philippines'),
('PK', 'Pakistan', 'Pakistan'),
('PL', 'Poland', 'Pologne'),
('PM', 'St. Pierre & Miquelon', 'Saint-Pierre-et-Miquelon'),
('PN', 'Pitcairn Islands', 'Îles Pitcairn'),
('PR', 'Puerto Rico', 'Porto Rico'),
('PS', 'Palestinian Territories', 'Territoires palestiniens'),
('PT', 'Portugal', 'Portugal'),
('PW', 'Palau', 'Palaos'),
('PY', 'Paraguay', 'Paraguay'),
('QA', 'Qatar', 'Qatar'),
('RE', 'Réunion', 'La Réunion'),
('RO', 'Romania', 'Roumanie'),
('RS', 'Serbia', 'Serbie'),
('RU', 'Russia', 'Russie'),
('RW', 'Rwanda', 'Rwanda'),
('SA', 'Saudi Arabia', 'Arabie saoudite'),
('SB', 'Solomon Islands', 'Îles Salomon'),
('SC', 'Seychelles', 'Seychelles'),
('SD', 'Sudan', 'Soudan'),
('SE', 'Sweden', 'Suède'),
('SG', 'Singapore', 'Singapour'),
('SH', 'St. Helena', 'Sainte-Hélène'),
('SI', 'Slovenia', 'Slovénie'),
('SJ', 'Svalbard & Jan Mayen', 'Svalbard et Jan Mayen'),
('SK', 'Slovakia', 'Slovaquie'),
('SL', 'Sierra Leone', 'Sierra Leone'),
('SM', 'San Marino', 'Saint-Marin'),
('SN', 'Senegal', 'Sénégal'),
('SO', 'Somalia', 'Somalie'),
('SR', 'Suriname', 'Suriname'),
('SS', 'South Sudan', 'Soudan du Sud'),
('ST', 'São Tomé & Príncipe', 'Sao Tomé-et-Principe'),
('SV', 'El Salvador', 'Salvador'),
('SX', 'Sint Maarten', 'Saint-Martin (partie néerlandaise)'),
('SY', 'Syria', 'Syrie'),
('SZ', 'Swaziland', 'Swaziland'),
('TC', 'Turks & Caicos Islands', 'Îles Turques-et-Caïques'),
('TD', 'Chad', 'Tchad'),
('TF', 'French Southern Territories', 'Terres australes françaises'),
('TG', 'Togo', 'Togo'),
('TH', 'Thailand', 'Thaïlande'),
('TJ', 'Tajikistan', 'Tadjikistan'),
('TK', 'Tokelau', 'Tokélaou'),
('TL', 'Timor-Leste', 'Timor oriental'),
('TM', 'Turkmenistan', 'Turkménistan'),
('TN', 'Tunisia', 'Tunisie'),
('TO', 'Tonga', 'Tonga'),
('TR', 'Turkey', 'Turquie'),
('TT', 'Trinidad & Tobago', 'Trinité-et-Tobago'),
('TV', 'Tuvalu', 'Tuvalu'),
('TW', 'Taiwan', 'Taïwan'),
('TZ', 'Tanzania', 'Tanzanie'),
('UA', 'Ukraine', 'Ukraine'),
('UG', 'Uganda', 'Ouganda'),
('UM', 'U.S. Outlying Islands', 'Îles mineures éloignées des États-Unis'),
('US', 'United States', 'États-Unis'),
('UY', 'Uruguay', 'Uruguay'),
('UZ', 'Uzbekistan', 'Ouzbékistan'),
('VA', 'Vatican City', 'État de la Cité du Vatican'),
('VC', 'St. Vincent & Grenadines', 'Saint-Vincent-et-les-Grenadines'),
('VE', 'Venezuela', 'Venezuela'),
('VG', 'British Virgin Islands', 'Îles Vierges britanniques'),
('VI', 'U.S. Virgin Islands', 'Îles Vierges des États-Unis'),
('VN', 'Vietnam', 'Vietnam'),
('VU', 'Vanuatu', 'Vanuatu'),
('WF', 'Wallis & Futuna', 'Wallis-et-Futuna'),
('WS', 'Samoa', 'Samoa'),
('YE', 'Yemen', 'Yémen'),
('YT', 'Mayotte', 'Mayotte'),
('ZA', 'South Africa', 'Afrique du Sud'),
('ZM', 'Zambia', 'Zambie'),
('ZW', 'Zimbabwe', 'Zimbabwe')
;

CREATE TABLE themes (
    id       bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    slug     text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 60),
    name_fr  text NOT NULL CHECK (btrim(name_fr) <> ''),
    name_en  text NOT NULL CHECK (btrim(name_en) <> ''),
    position integer NOT NULL DEFAULT 0
);

CREATE TABLE organisations (
    id                 bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    slug               text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 80),
    name               text COLLATE "und-x-icu" NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 200),
    alternate_name     text NOT NULL DEFAULT '' CHECK (length(alternate_name) <= 100),
    -- IATI OrganisationType code list.
    iati_type          smallint NOT NULL CHECK (iati_type IN (10, 11, 15, 21, 22, 23, 24, 30, 40, 60, 70, 71, 72, 73, 80, 90)),
    description_fr     text NOT NULL DEFAULT '' CHECK (length(description_fr) <= 10000),
    description_en     text NOT NULL DEFAULT '' CHECK (length(description_en) <= 10000),
    mission_fr         text NOT NULL DEFAULT '' CHECK (length(mission_fr) <= 2000),
    mission_en         text NOT NULL DEFAULT '' CHECK (length(mission_en) <= 2000),
    founded_year       smallint CHECK (founded_year BETWEEN 1800 AND 2100),
    website            text NOT NULL DEFAULT '' CHECK (website = '' OR website ~ '^https?://'),
    email              text NOT NULL DEFAULT '' CHECK (email = '' OR email LIKE '%_@_%'),
    phone              text NOT NULL DEFAULT '' CHECK (length(phone) <= 40),
    logo_path          text NOT NULL DEFAULT '',
    newsletter_url     text NOT NULL DEFAULT '' CHECK (newsletter_url = '' OR newsletter_url ~ '^https?://'),
    status             text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'pending', 'published', 'suspended')),
    -- The contact that receives support offers when no routing rule matches.
    default_contact_id bigint,
    last_verified_on   date,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    version            integer NOT NULL DEFAULT 1 CHECK (version > 0),
    CONSTRAINT organisations_published_has_default_contact
        CHECK (status <> 'published' OR default_contact_id IS NOT NULL)
);
-- Keyset pagination of the public list orders by (name, id).
CREATE INDEX organisations_published_name_idx ON organisations (name, id) WHERE status = 'published';
CREATE INDEX organisations_published_updated_idx ON organisations (updated_at DESC, id) WHERE status = 'published';

-- org-id.guide identifiers such as LU-RCS F1234; many NGOs have none.
CREATE TABLE organisation_identifiers (
    organisation_id bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    scheme          text NOT NULL CHECK (scheme ~ '^[A-Z]{2}-[A-Z0-9]+$'),
    value           text NOT NULL CHECK (btrim(value) <> '' AND length(value) <= 100),
    PRIMARY KEY (organisation_id, scheme),
    UNIQUE (scheme, value)
);

CREATE TABLE organisation_themes (
    organisation_id bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    theme_id        bigint NOT NULL REFERENCES themes (id) ON DELETE RESTRICT,
    PRIMARY KEY (organisation_id, theme_id)
);
CREATE INDEX organisation_themes_theme_idx ON organisation_themes (theme_id, organisation_id);

-- Countries of operation.
CREATE TABLE organisation_countries (
    organisation_id bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    country_code    char(2) NOT NULL REFERENCES countries (code),
    PRIMARY KEY (organisation_id, country_code)
);
CREATE INDEX organisation_countries_country_idx ON organisation_countries (country_code, organisation_id);

CREATE TABLE social_links (
    organisation_id bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    network         text NOT NULL CHECK (network IN ('facebook', 'x', 'linkedin', 'scoopit', 'instagram', 'youtube')),
    url             text NOT NULL CHECK (url ~ '^https?://'),
    PRIMARY KEY (organisation_id, network)
);

-- HSDS location: an office of an organisation.
CREATE TABLE offices (
    id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    organisation_id bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 200),
    kind            text NOT NULL CHECK (kind IN ('headquarters', 'regional', 'country', 'field')),
    address         text NOT NULL DEFAULT '' CHECK (length(address) <= 300),
    postal_code     text NOT NULL DEFAULT '' CHECK (length(postal_code) <= 20),
    city            text NOT NULL CHECK (btrim(city) <> '' AND length(city) <= 100),
    country_code    char(2) NOT NULL REFERENCES countries (code),
    latitude        numeric(8, 6) CHECK (latitude BETWEEN -90 AND 90),
    longitude       numeric(9, 6) CHECK (longitude BETWEEN -180 AND 180),
    opened_year     smallint CHECK (opened_year BETWEEN 1800 AND 2100),
    email           text NOT NULL DEFAULT '' CHECK (email = '' OR email LIKE '%_@_%'),
    phone           text NOT NULL DEFAULT '' CHECK (length(phone) <= 40),
    position        integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    version         integer NOT NULL DEFAULT 1 CHECK (version > 0),
    -- Lets children reference an office of the same organisation only.
    UNIQUE (organisation_id, id),
    CHECK ((latitude IS NULL) = (longitude IS NULL))
);
CREATE UNIQUE INDEX offices_one_headquarters_idx ON offices (organisation_id) WHERE kind = 'headquarters';
CREATE INDEX offices_country_idx ON offices (country_code, organisation_id);

-- Countries an office covers beyond its own (a regional office's region).
CREATE TABLE office_countries (
    office_id    bigint NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
    country_code char(2) NOT NULL REFERENCES countries (code),
    PRIMARY KEY (office_id, country_code)
);
CREATE INDEX office_countries_country_idx ON office_countries (country_code);

CREATE TABLE team_members (
    id               bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    organisation_id  bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    office_id        bigint,
    full_name        text NOT NULL CHECK (btrim(full_name) <> '' AND length(full_name) <= 200),
    role_title       text NOT NULL DEFAULT '' CHECK (length(role_title) <= 200),
    responsibilities text NOT NULL DEFAULT '' CHECK (length(responsibilities) <= 2000),
    bio              text NOT NULL DEFAULT '' CHECK (length(bio) <= 2000),
    joined_year      smallint CHECK (joined_year BETWEEN 1900 AND 2100),
    email            text NOT NULL DEFAULT '' CHECK (email = '' OR email LIKE '%_@_%'),
    visibility       text NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'private')),
    position         integer NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    version          integer NOT NULL DEFAULT 1 CHECK (version > 0),
    FOREIGN KEY (organisation_id, office_id) REFERENCES offices (organisation_id, id) ON DELETE SET NULL (office_id)
);
CREATE INDEX team_members_organisation_idx ON team_members (organisation_id, position, id);

CREATE TABLE projects (
    id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    organisation_id bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    slug            text NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 80),
    title           text NOT NULL CHECK (btrim(title) <> '' AND length(title) <= 200),
    summary_fr      text NOT NULL DEFAULT '' CHECK (length(summary_fr) <= 1000),
    summary_en      text NOT NULL DEFAULT '' CHECK (length(summary_en) <= 1000),
    description_fr  text NOT NULL DEFAULT '' CHECK (length(description_fr) <= 10000),
    description_en  text NOT NULL DEFAULT '' CHECK (length(description_en) <= 10000),
    -- IATI ActivityStatus: 1 pipeline, 2 implementation, 3 finalisation, 4 closed, 5 cancelled, 6 suspended.
    status          smallint NOT NULL DEFAULT 2 CHECK (status BETWEEN 1 AND 6),
    planned_start   date,
    planned_end     date,
    actual_start    date,
    actual_end      date,
    lead_office_id  bigint,
    local_partners  text NOT NULL DEFAULT '' CHECK (length(local_partners) <= 1000),
    support_sought  text[] NOT NULL DEFAULT '{}'
        CHECK (support_sought <@ ARRAY['donation', 'volunteering', 'skills', 'goods', 'partnership', 'other']::text[]),
    position        integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    version         integer NOT NULL DEFAULT 1 CHECK (version > 0),
    UNIQUE (organisation_id, slug),
    UNIQUE (organisation_id, id),
    CHECK (planned_end IS NULL OR planned_start IS NULL OR planned_end >= planned_start),
    CHECK (actual_end IS NULL OR actual_start IS NULL OR actual_end >= actual_start),
    FOREIGN KEY (organisation_id, lead_office_id) REFERENCES offices (organisation_id, id) ON DELETE SET NULL (lead_office_id)
);

CREATE TABLE project_countries (
    project_id   bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    country_code char(2) NOT NULL REFERENCES countries (code),
    PRIMARY KEY (project_id, country_code)
);

CREATE TABLE project_themes (
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    theme_id   bigint NOT NULL REFERENCES themes (id) ON DELETE RESTRICT,
    PRIMARY KEY (project_id, theme_id)
);

-- HSDS contact: who receives what. role_code is IATI ContactType
-- (1 general enquiries, 2 project management, 3 financial management, 4 communications).
CREATE TABLE contact_points (
    id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    organisation_id bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 200),
    email           text NOT NULL CHECK (email LIKE '%_@_%' AND length(email) <= 254),
    role_code       smallint NOT NULL DEFAULT 1 CHECK (role_code BETWEEN 1 AND 4),
    office_id       bigint,
    visibility      text NOT NULL DEFAULT 'private' CHECK (visibility IN ('public', 'private')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    version         integer NOT NULL DEFAULT 1 CHECK (version > 0),
    UNIQUE (organisation_id, id),
    FOREIGN KEY (organisation_id, office_id) REFERENCES offices (organisation_id, id) ON DELETE SET NULL (office_id)
);

-- The default contact must belong to the same organisation. Deferred so an
-- organisation and its first contact can be created in one transaction.
ALTER TABLE organisations
    ADD CONSTRAINT organisations_default_contact_fkey
    FOREIGN KEY (id, default_contact_id) REFERENCES contact_points (organisation_id, id)
    DEFERRABLE INITIALLY DEFERRED;

-- A rule sends one kind of offer, optionally narrowed to an office or a
-- project, to a contact point.
CREATE TABLE routing_rules (
    id               bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    organisation_id  bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    support_kind     text NOT NULL CHECK (support_kind IN ('donation', 'volunteering', 'skills', 'goods', 'partnership', 'other')),
    office_id        bigint,
    project_id       bigint,
    contact_point_id bigint NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (office_id IS NULL OR project_id IS NULL),
    UNIQUE NULLS NOT DISTINCT (organisation_id, support_kind, office_id, project_id),
    FOREIGN KEY (organisation_id, office_id) REFERENCES offices (organisation_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organisation_id, project_id) REFERENCES projects (organisation_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organisation_id, contact_point_id) REFERENCES contact_points (organisation_id, id) ON DELETE CASCADE
);

-- +goose Down
DROP TABLE routing_rules;
ALTER TABLE organisations DROP CONSTRAINT organisations_default_contact_fkey;
DROP TABLE contact_points;
DROP TABLE project_themes;
DROP TABLE project_countries;
DROP TABLE projects;
DROP TABLE team_members;
DROP TABLE office_countries;
DROP TABLE offices;
DROP TABLE social_links;
DROP TABLE organisation_countries;
DROP TABLE organisation_themes;
DROP TABLE organisation_identifiers;
DROP TABLE organisations;
DROP TABLE themes;
DROP TABLE countries;
