// Package e2e proves the whole experience in a real browser: headless
// Chromium (driven with chromedp) walks the donor, editor and staff
// journeys against the real web server on real services (PostgreSQL,
// Meilisearch, an in-process SMTP server), checks every main page with
// axe-core and saves screenshots at desktop and phone widths to the
// git-ignored screenshots/ folder. Everything lives in the tests; the
// package has no code of its own.
package e2e
