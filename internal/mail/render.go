package mail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"path"
	"strings"
	texttemplate "text/template"

	"github.com/partnerdir/partnerdir/internal/locale"
)

// Mail is a mail to compose from its templates: which one, in which
// languages, to whom, and the facts it tells. Its sentences are in the
// locale files; the facts are names, links, reasons, references.
type Mail struct {
	// Name names the templates, templates/mails/NAME.txt and NAME.html.
	Name string
	// Purpose says why the mail exists, e.g. "offer_contact"; "" is Name.
	Purpose string
	// Langs are the languages of the mail's parts, in order; the first is
	// the message's language. None means French.
	Langs   []string
	OfferID int64
	To      Address
	ReplyTo Address
	// Data holds the facts the templates show.
	Data any
	// ForgetWhenSent empties the stored message (recipient, subject,
	// bodies) once the server accepted it or refused it for good: for a
	// mail to someone the platform must not remember, such as the
	// confirmation that their account was deleted.
	ForgetWhenSent bool
	// Headers are extra header fields (List-Unsubscribe, …), each named
	// once; the outbox refuses the fields it writes itself.
	Headers []Header
	// IdempotencyKey, when set, makes the mail one of a kind: the outbox
	// stores (and sends) at most one message per key, whoever composes it
	// and however often — e.g. one mail per offer and status to the donor.
	IdempotencyKey string
}

// Renderer turns a Mail into a Message: a subject, a text part and an HTML
// part, each language after the other. Every mail's templates are parsed
// once, at start-up.
type Renderer struct {
	text map[string]*texttemplate.Template
	html map[string]*htmltemplate.Template
}

// NewRenderer parses every mail of fsys's templates/mails (NAME.txt
// defining "subject" and "part", NAME.html defining "part", each with its
// layout), translating with tr.
func NewRenderer(fsys fs.FS, tr *locale.Translator) (*Renderer, error) {
	const dir = "templates/mails/"
	files, err := fs.Glob(fsys, dir+"*.txt")
	if err != nil {
		return nil, err
	}
	r := &Renderer{text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	list := func(xs ...string) []string { return xs }
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".txt")
		if name == "layout" {
			continue
		}
		text, err := texttemplate.New(name).Funcs(texttemplate.FuncMap{"t": tr.T, "quote": quoteText, "list": list}).
			ParseFS(fsys, dir+"layout.txt", f)
		if err != nil {
			return nil, fmt.Errorf("mail: parse %s: %w", f, err)
		}
		html, err := htmltemplate.New(name).Funcs(htmltemplate.FuncMap{"t": tr.T, "paragraphs": paragraphs, "list": list}).
			ParseFS(fsys, dir+"layout.html", dir+name+".html")
		if err != nil {
			return nil, fmt.Errorf("mail: parse %s.html: %w", dir+name, err)
		}
		if text.Lookup("subject") == nil || text.Lookup("part") == nil || html.Lookup("part") == nil {
			return nil, fmt.Errorf("mail: %s: want a subject and a part in text, a part in HTML", name)
		}
		r.text[name], r.html[name] = text, html
	}
	return r, nil
}

// view is what a mail's templates see: the language of the part being
// written, every language of the mail, its recipient, its subject and
// the facts.
type view struct {
	Lang    string
	Langs   []string
	To      Address
	Subject string
	Data    any
}

// In is v for the part in lang.
func (v view) In(lang string) view { v.Lang = lang; return v }

// Render composes m from its templates.
func (r *Renderer) Render(m Mail) (Message, error) {
	text, ok := r.text[m.Name]
	if !ok {
		return Message{}, fmt.Errorf("mail: no template %q", m.Name)
	}
	v := view{Langs: make([]string, 0, len(m.Langs)), To: m.To, Data: m.Data}
	for _, l := range m.Langs {
		if l != "en" {
			l = "fr"
		}
		v.Langs = append(v.Langs, l)
	}
	if len(v.Langs) == 0 {
		v.Langs = []string{"fr"}
	}
	v.Lang = v.Langs[0]
	var subject, body, html bytes.Buffer
	if err := text.ExecuteTemplate(&subject, "subject", v); err != nil {
		return Message{}, fmt.Errorf("mail: render %s subject: %w", m.Name, err)
	}
	v.Subject = HeaderSafe(subject.String())
	if err := text.ExecuteTemplate(&body, "mail", v); err != nil {
		return Message{}, fmt.Errorf("mail: render %s text: %w", m.Name, err)
	}
	if err := r.html[m.Name].ExecuteTemplate(&html, "mail", v); err != nil {
		return Message{}, fmt.Errorf("mail: render %s html: %w", m.Name, err)
	}
	purpose := m.Purpose
	if purpose == "" {
		purpose = m.Name
	}
	return Message{OfferID: m.OfferID, Purpose: purpose, Lang: v.Lang, To: m.To, ReplyTo: m.ReplyTo,
		Subject: v.Subject, Text: body.String(), HTML: html.String(), ForgetWhenSent: m.ForgetWhenSent, Headers: m.Headers,
		IdempotencyKey: m.IdempotencyKey}, nil
}

func quoteText(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = "> " + l
	}
	return strings.Join(lines, "\n")
}

func paragraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
