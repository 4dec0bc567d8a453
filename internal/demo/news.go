package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/news"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

// Article is a demo article and the slug of the organisation it belongs to.
type Article struct {
	Organisation string
	news.Import
}

// Articles returns the demo articles: ECPAT Luxembourg's communiqué of
// 13 October 2016 presenting its Bamako team (a fresh summary, not the
// original text), three published articles by fictional partners and one
// fictional draft.
func Articles() []Article {
	bamako := "Bureau exécutif régional — Bamako"
	return []Article{
		{Organisation: "ecpat-luxembourg", Import: news.Import{
			Slug: "we-love-ecpat", Publish: true,
			Input: news.Input{
				PublishedAt: at(2016, time.October, 13),
				FR: news.Text{
					Title: "We love ECPAT",
					Lead:  "À Bamako, le bureau exécutif régional d'ECPAT Luxembourg repose sur trois personnes : Fabienne, Boubacar et Halimatou. Qui sont-elles, et pourquoi travaillent-elles là ?",
					Body: `Depuis 2007, ECPAT Luxembourg a un bureau exécutif régional à Bamako. C'est de là que ses projets de coopération contre l'exploitation sexuelle des enfants à des fins commerciales sont suivis au jour le jour, avec les partenaires maliens.

## Fabienne, représentante légale et coordinatrice de projets

Fabienne représente ECPAT Luxembourg au Mali et coordonne ses projets. Présente depuis l'ouverture du bureau, elle fait le lien entre les partenaires de terrain, les autorités et le siège au Luxembourg. Être sur place, c'est pouvoir décider au plus près des enfants que ces projets protègent.

## Boubacar, finances et administration

Diplômé d'un master en management de l'École nationale d'administration de Bamako, Boubacar a rejoint l'équipe en 2010. Il tient les comptes et l'administration du bureau : une gestion rigoureuse, c'est ce qui garantit que les moyens confiés aux projets arrivent bien aux enfants.

## Halimatou, gestion de projets

Juriste, Halimatou a commencé en mai 2013 comme assistante juridique : elle accompagnait les plaintes des victimes mineures devant les tribunaux et la Cour d'appel de Bamako. Chargée de projets depuis juin 2015, elle met cette expérience des audiences au service d'un même but : que chaque enfant victime soit entendu et défendu.

## Former ceux qui rencontrent les enfants

Avec ses partenaires, le bureau prépare une mallette de formation sur l'exploitation sexuelle des enfants à des fins commerciales, une première au Mali, pour que travailleurs sociaux, éducateurs et forces de l'ordre sachent la reconnaître et y répondre.

Vous avez une idée pour les soutenir — du temps, une compétence, du matériel, un partenariat ? Écrivez à [c.wantz@ecpat.lu](mailto:c.wantz@ecpat.lu).`,
				},
				EN: news.Text{
					Title: "We love ECPAT",
					Lead:  "In Bamako, ECPAT Luxembourg's regional executive office rests on three people: Fabienne, Boubacar and Halimatou. Who are they, and why do they work there?",
					Body: `Since 2007 ECPAT Luxembourg has had a regional executive office in Bamako. It is where its cooperation projects against the commercial sexual exploitation of children are followed day by day, together with Malian partners.

## Fabienne, legal representative and project coordinator

Fabienne represents ECPAT Luxembourg in Mali and coordinates its projects. On the team since the office opened, she links the field partners, the authorities and the headquarters in Luxembourg. Being there means decisions are taken close to the children these projects protect.

## Boubacar, finance and administration

With a master's degree in management from the École nationale d'administration in Bamako, Boubacar joined the team in 2010. He keeps the office's accounts and administration: careful management is what makes sure the means entrusted to the projects reach the children.

## Halimatou, project management

A lawyer, Halimatou started in May 2013 as a legal assistant, following the complaints of child victims before the courts and the Court of Appeal of Bamako. A project manager since June 2015, she puts that experience of the courtroom to one purpose: that every child victim is heard and defended.

## Training those who meet the children

With its partners, the office is preparing a training box on the commercial sexual exploitation of children — a first in Mali — so that social workers, teachers and police officers can recognise it and respond.

Do you have an idea to support them — time, a skill, equipment, a partnership? Write to [c.wantz@ecpat.lu](mailto:c.wantz@ecpat.lu).`,
				},
				ThemeSlugs: []string{"human-rights-solidarity"},
				Countries:  []string{"ML"},
			},
			ProjectSlugs: []string{"mallette-formation-esec"},
			OfficeNames:  []string{bamako},
			MemberNames:  []string{"Fabienne", "Boubacar", "Halimatou"},
		}},
		{Organisation: "sahel-eau-vive", Import: news.Import{
			Slug: "dix-forages-a-tillaberi", Publish: true,
			Input: news.Input{
				PublishedAt: at(2025, time.June, 12),
				FR: news.Text{Title: "Dix forages remis en service à Tillabéri",
					Lead: "Avec les comités villageois, l'équipe a réparé dix forages avant la saison sèche.",
					Body: "Pompes changées, margelles refaites, comités formés à l'entretien : **dix villages** retrouvent l'eau à moins de 500 mètres.\n\nLes comités collectent une petite cotisation pour les pièces de rechange. (Article fictif de démonstration.)"},
				EN: news.Text{Title: "Ten boreholes back in service in Tillabéri",
					Lead: "With the village committees, the team repaired ten boreholes before the dry season.",
					Body: "New pumps, rebuilt aprons, committees trained in upkeep: **ten villages** have water within 500 metres again.\n\nThe committees collect a small fee for spare parts. (Fictional demonstration article.)"},
				ThemeSlugs: []string{"water-sanitation"},
				Countries:  []string{"NE"},
			},
			ProjectSlugs: []string{"programme-principal"},
		}},
		{Organisation: "ecoles-du-fleuve", Import: news.Import{
			Slug: "rentree-des-classes-passerelles", Publish: true,
			Input: news.Input{
				PublishedAt: at(2025, time.October, 6),
				FR: news.Text{Title: "Rentrée des classes passerelles le long du fleuve",
					Lead: "Cent vingt enfants ont repris le chemin de l'école à Saint-Louis et Podor.",
					Body: "Les classes passerelles préparent en un an les enfants non scolarisés à rejoindre l'école publique.\n\n- 120 enfants inscrits\n- 6 enseignants formés\n- des fournitures encore recherchées\n\n(Article fictif de démonstration, en français seulement.)"},
				ThemeSlugs: []string{"education", "child-protection"},
				Countries:  []string{"SN"},
			},
		}},
		{Organisation: "accueil-sans-frontieres-luxembourg", Import: news.Import{
			Slug: "benevoles-cours-de-francais", Publish: true,
			Input: news.Input{
				PublishedAt: at(2026, time.March, 2),
				FR: news.Text{Title: "Bénévoles recherchés pour les cours de français",
					Body: "Deux soirs par semaine, à Luxembourg-ville : nous cherchons des bénévoles pour accompagner les cours de français des personnes nouvellement arrivées. (Article fictif de démonstration.)"},
				EN: news.Text{Title: "Volunteers wanted for French classes",
					Body: "Two evenings a week in Luxembourg City: we are looking for volunteers to help with French classes for newly arrived people. (Fictional demonstration article.)"},
				ThemeSlugs: []string{"migration", "human-rights-solidarity"},
				Countries:  []string{"LU"},
			},
		}},
		{Organisation: "terres-vertes-benin", Import: news.Import{
			Slug: "bilan-saison-mangroves",
			Input: news.Input{
				FR: news.Text{Title: "Mangroves : le bilan de la saison (brouillon)",
					Body: "Brouillon : chiffres de plantation à compléter. (Article fictif de démonstration.)"},
				ThemeSlugs: []string{"environment"},
				Countries:  []string{"BJ"},
			},
		}},
	}
}

// LoadNews creates every demo article whose slug does not exist yet, in
// one transaction, through store (so each has its audit entry and change
// hook); an article whose organisation is missing is skipped. Like Load,
// a second run changes nothing and edits made since survive. Load the
// organisations first.
func LoadNews(ctx context.Context, pool *pgxpool.Pool, store *news.Store) (Result, error) {
	var res Result
	err := postgres.InTx(ctx, pool, func(tx pgx.Tx) error {
		// The lock Load takes: one demo load at a time.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7262002)`); err != nil {
			return err
		}
		for _, a := range Articles() {
			var orgID int64
			err := tx.QueryRow(ctx, `SELECT COALESCE((SELECT id FROM organisations WHERE slug = $1), 0)`, a.Organisation).Scan(&orgID)
			if err != nil {
				return err
			}
			exists, err := store.SlugExists(ctx, tx, a.Slug)
			if err != nil {
				return err
			}
			if exists || orgID == 0 {
				res.Skipped = append(res.Skipped, a.Slug)
				continue
			}
			if _, err := store.ImportTx(ctx, tx, audit.System("seed"), orgID, a.Import); err != nil {
				return fmt.Errorf("article %s: %w", a.Slug, err)
			}
			res.Created = append(res.Created, a.Slug)
		}
		return nil
	})
	if err != nil {
		return Result{}, fmt.Errorf("demo: load news: %w", err)
	}
	return res, nil
}

// at is a date of publication at 10:00 UTC: the same calendar day from
// Hawaii to New Zealand.
func at(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 10, 0, 0, 0, time.UTC)
	return &t
}
