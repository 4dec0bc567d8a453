package directory

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/fault"
)

// Documents are an organisation's PDF files — annual reports,
// registration certificates, audited accounts, statutes — which funders
// check first. They live here, beside the profile that lists them, so a
// document's write is a child write of its organisation (the row lock,
// the audit entry, the organisation's version) and a profile is read with
// its public documents in the same round trip. The files
// themselves are internal/uploads' (kind Documents); a row names its file.

// DocumentKind is what a document is.
type DocumentKind string

// The kinds of documents.
const (
	DocumentAnnualReport            DocumentKind = "annual_report"
	DocumentRegistrationCertificate DocumentKind = "registration_certificate"
	DocumentAuditedAccounts         DocumentKind = "audited_accounts"
	DocumentStatutes                DocumentKind = "statutes"
	DocumentOther                   DocumentKind = "other"
)

// DocumentKinds are the kinds in the order forms offer them.
func DocumentKinds() []DocumentKind {
	return []DocumentKind{DocumentAnnualReport, DocumentRegistrationCertificate, DocumentAuditedAccounts,
		DocumentStatutes, DocumentOther}
}

// MessageID is the kind's label's message id.
func (k DocumentKind) MessageID() string { return "media.document.kind." + string(k) }

// Document is one of an organisation's documents.
type Document struct {
	ID             int64
	OrganisationID int64
	Kind           DocumentKind
	// Year is the year the document is about (an annual report's), 0 for
	// none.
	Year  int
	Title string
	// Public documents are listed on the profile and downloadable by
	// anyone; private ones only by the organisation's members and the
	// platform's staff.
	Public bool
	// FileName is the uploads store's name of the file.
	FileName  string
	Size      int64
	SHA256    string
	CreatedAt time.Time
}

// NewDocument is a document to record: what its uploader typed, and the
// file the uploads store kept.
type NewDocument struct {
	Kind     DocumentKind
	Year     int
	Title    string
	Public   bool
	FileName string
	Size     int64
	SHA256   string
}

// Limits of a document's fields.
const (
	maxDocumentTitle = 200
	minDocumentYear  = 1900
)

var (
	documentFileName = regexp.MustCompile(`^[a-z0-9-]{1,80}-[0-9a-f]{16}\.pdf$`)
	hexDigest        = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// ValidateFields checks what the uploader typed (kind, year, title), so a
// form can be refused before its file is stored. It returns an Invalid
// error naming each wrong field.
func (d *NewDocument) ValidateFields(now time.Time) error {
	var f fault.Fields
	if !slices.Contains(DocumentKinds(), d.Kind) {
		f.Add("kind", "media.document.err.kind")
	}
	if d.Year != 0 && (d.Year < minDocumentYear || d.Year > now.Year()+1) {
		f.Add("year", "media.document.err.year")
	}
	d.Title = strings.TrimSpace(d.Title)
	switch {
	case d.Title == "":
		f.Add("title", "media.document.err.title")
	case utf8.RuneCountInString(d.Title) > maxDocumentTitle || strings.IndexFunc(d.Title, unicode.IsControl) >= 0:
		f.Add("title", "media.document.err.title_long")
	}
	return f.Err()
}

// Validate checks the whole document, its file's facts included.
func (d *NewDocument) Validate() error {
	if err := d.ValidateFields(time.Now()); err != nil {
		return err
	}
	if !documentFileName.MatchString(d.FileName) || d.Size <= 0 || !hexDigest.MatchString(d.SHA256) {
		return fmt.Errorf("directory: document file %q: %w", d.FileName, fault.InvalidField("file", "media.document.type"))
	}
	return nil
}

var documentChild = child{noun: "document", entity: "document", table: "documents"}

// AddDocument records document d of organisation orgID, audited (kind,
// year, title, visibility, size and digest: no personal data) in one
// transaction with the organisation's change. It returns the document's
// id, an Invalid error for wrong fields and fault.ErrNotFound for an
// unknown organisation.
func (s *Store) AddDocument(ctx context.Context, actor audit.Actor, orgID int64, d NewDocument) (int64, error) {
	var id int64
	details := map[string]any{"kind": d.Kind, "year": d.Year, "title": d.Title, "visibility": visibility(d.Public),
		"size_bytes": d.Size, "sha256": d.SHA256}
	err := s.addChild(ctx, actor, orgID, documentChild, &d, details, func(tx pgx.Tx, e *audit.Entry) error {
		var uploader *int64
		if actor.UserID != 0 {
			uploader = &actor.UserID
		}
		err := tx.QueryRow(ctx, `
			INSERT INTO documents (organisation_id, kind, year, title, visibility, file_name, size_bytes, sha256, uploaded_by)
			VALUES ($1, $2, NULLIF($3, 0), $4, $5, $6, $7, $8, $9) RETURNING id`,
			orgID, d.Kind, d.Year, d.Title, visibility(d.Public), d.FileName, d.Size, d.SHA256, uploader).Scan(&id)
		e.EntityID = id
		return err
	})
	return id, err
}

const documentColumns = `id, organisation_id, kind, COALESCE(year, 0), title, visibility = 'public', file_name, size_bytes, sha256, created_at`

// documentsQuery lists an organisation's documents ({org}: its id, see
// newProfileQueries), private ones only when $2: latest year first, then
// latest upload.
const documentsQuery = `SELECT ` + documentColumns + ` FROM documents
	WHERE organisation_id = {org} AND (visibility = 'public' OR $2)
	ORDER BY year DESC NULLS LAST, id DESC LIMIT 200`

func collectDocuments(rows pgx.Rows) ([]Document, error) {
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Document])
}

// Documents returns organisation orgID's documents, the private ones too
// when private, latest year first (at most 200).
func (s *Store) Documents(ctx context.Context, orgID int64, private bool) ([]Document, error) {
	rows, _ := s.pool.Query(ctx, profileByID.documents, orgID, private)
	ds, err := collectDocuments(rows)
	if err != nil {
		return nil, fmt.Errorf("directory: documents of %d: %w", orgID, err)
	}
	return ds, nil
}

// DocumentOf returns document id of the organisation with slug, with the
// organisation's status, for serving it: fault.ErrNotFound when there is
// no such document of that organisation.
func (s *Store) DocumentOf(ctx context.Context, slug string, id int64) (*Document, string, error) {
	var d Document
	var status string
	err := s.pool.QueryRow(ctx, `SELECT d.id, d.organisation_id, d.kind, COALESCE(d.year, 0), d.title, d.visibility = 'public',
			d.file_name, d.size_bytes, d.sha256, d.created_at, o.status
		FROM documents d JOIN organisations o ON o.id = d.organisation_id WHERE o.slug = $1 AND d.id = $2`, slug, id).
		Scan(&d.ID, &d.OrganisationID, &d.Kind, &d.Year, &d.Title, &d.Public, &d.FileName, &d.Size, &d.SHA256, &d.CreatedAt, &status)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, "", fault.ErrNotFound
	}
	if err != nil {
		return nil, "", fmt.Errorf("directory: document %d of %s: %w", id, slug, err)
	}
	return &d, status, nil
}

// DeleteDocument removes document id of organisation orgID, audited, and
// returns its file's name so the caller can delete the file once the row
// is gone. It returns fault.ErrNotFound when the document is not orgID's.
func (s *Store) DeleteDocument(ctx context.Context, actor audit.Actor, orgID, id int64) (string, error) {
	var name string
	err := s.childWrite(ctx, actor, orgID, audit.Entry{Action: "document.delete", EntityType: documentChild.entity, EntityID: id},
		func(tx pgx.Tx, e *audit.Entry) error {
			var title string
			err := tx.QueryRow(ctx, `DELETE FROM documents WHERE id = $1 AND organisation_id = $2 RETURNING file_name, title`, id, orgID).
				Scan(&name, &title)
			if errors.Is(err, pgx.ErrNoRows) {
				return fault.ErrNotFound
			}
			e.Details = map[string]any{"title": title}
			return err
		})
	if err != nil {
		return "", fmt.Errorf("directory: delete document %d: %w", id, err)
	}
	return name, nil
}
