// Package demo holds Partnerdir's demonstration data — ECPAT Luxembourg as
// its public materials describe it, and a dozen clearly fictional partners —
// and loads it idempotently.
package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

// Themes are the platform's themes, in display order.
var Themes = []directory.Theme{
	{Slug: "child-protection", NameFR: "Protection de l'enfance", NameEN: "Child protection"},
	{Slug: "human-rights-solidarity", NameFR: "Droits humains & solidarité", NameEN: "Human rights & solidarity"},
	{Slug: "education", NameFR: "Éducation", NameEN: "Education"},
	{Slug: "health", NameFR: "Santé", NameEN: "Health"},
	{Slug: "water-sanitation", NameFR: "Eau et assainissement", NameEN: "Water & sanitation"},
	{Slug: "food-security", NameFR: "Sécurité alimentaire", NameEN: "Food security"},
	{Slug: "environment", NameFR: "Environnement & climat", NameEN: "Environment & climate"},
	{Slug: "gender-equality", NameFR: "Égalité femmes-hommes", NameEN: "Gender equality"},
	{Slug: "livelihoods", NameFR: "Emploi & microfinance", NameEN: "Livelihoods & microfinance"},
	{Slug: "emergency-relief", NameFR: "Aide d'urgence", NameEN: "Emergency relief"},
	{Slug: "migration", NameFR: "Migrations & asile", NameEN: "Migration & asylum"},
	{Slug: "disability", NameFR: "Handicap & inclusion", NameEN: "Disability & inclusion"},
}

// Result says what a load did.
type Result struct {
	Created []string
	Skipped []string
}

// Load creates the demo themes and every demo organisation that does not
// exist yet (matched by slug), in one transaction. Existing organisations
// are left as they are, so a second load changes nothing and edits made
// through the platform survive.
func Load(ctx context.Context, pool *pgxpool.Pool, store *directory.Store) (Result, error) {
	var res Result
	err := postgres.InTx(ctx, pool, func(tx pgx.Tx) error {
		// Serialise concurrent loads; the lock ends with the transaction.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7262002)`); err != nil {
			return err
		}
		var themesLoaded bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM themes)`).Scan(&themesLoaded); err != nil {
			return err
		}
		if !themesLoaded {
			if err := store.UpsertThemes(ctx, tx, Themes); err != nil {
				return err
			}
		}
		for _, o := range Organisations() {
			exists, err := store.SlugExists(ctx, tx, o.Slug)
			if err != nil {
				return err
			}
			if exists {
				res.Skipped = append(res.Skipped, o.Slug)
				continue
			}
			if _, err := store.CreateTx(ctx, tx, audit.System("seed"), o); err != nil {
				return err
			}
			res.Created = append(res.Created, o.Slug)
		}
		return nil
	})
	if err != nil {
		return Result{}, fmt.Errorf("demo: load: %w", err)
	}
	return res, nil
}

func date(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

func coords(lat, lon float64) (*float64, *float64) { return &lat, &lon }
