package devmail

import (
	_ "embed"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

//go:embed page.html
var pageHTML string

// shownHeaders are the headers a message's page lists, in this order.
var shownHeaders = []string{"From", "To", "Reply-To", "Subject", "Date", "Message-Id", "List-Unsubscribe", "List-Unsubscribe-Post", "Auto-Submitted"}

// urlInText finds the addresses in a text body, to make them links.
var urlInText = regexp.MustCompile(`https?://[^\s<>"]+`)

type header struct{ Name, Value string }

type listPage struct {
	Title    string
	Messages []*Message
}

type messagePage struct {
	Title   string
	Message *Message
	Headers []header
	// Linked is the text body with its addresses as links.
	Linked template.HTML
	// FrameDoc is the HTML body for the sandboxed frame, its links opening
	// outside it.
	FrameDoc string
}

// Handler serves the mailbox: the list at /, a message at /messages/{id}
// (and its source at /messages/{id}/raw), POST /clear, and for scripts
// GET /api/v1/messages and /api/v1/message/{id} (fields named as
// Mailpit's API names them), and /livez.
func (b *Box) Handler() http.Handler {
	tpl := template.Must(template.New("devmail").Parse(pageHTML))
	mux := http.NewServeMux()
	page := func(w http.ResponseWriter, name string, data any) {
		var buf strings.Builder
		if err := tpl.ExecuteTemplate(&buf, name, data); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		// A mail's HTML is shown in a sandboxed frame without scripts;
		// the page itself runs none either. The frame's document inherits
		// this policy, and Chromium blanks it under any framing rule
		// (frame-ancestors, even 'self', or X-Frame-Options), so there is
		// none: the one action, Delete all, checks its origin itself.
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src * data:; frame-src 'self'; form-action 'self'")
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write([]byte(buf.String()))
	}
	message := func(w http.ResponseWriter, r *http.Request) (*Message, bool) {
		id, err := strconv.Atoi(r.PathValue("id"))
		m, ok := b.Get(id)
		if err != nil || !ok {
			http.Error(w, "no such mail (it may have been deleted)", http.StatusNotFound)
			return nil, false
		}
		return m, true
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		page(w, "list", listPage{Title: "Mails", Messages: b.List()})
	})
	mux.HandleFunc("GET /messages/{id}", func(w http.ResponseWriter, r *http.Request) {
		m, ok := message(w, r)
		if !ok {
			return
		}
		p := messagePage{Title: m.Subject, Message: m, Linked: linkify(m.Text)}
		for _, name := range shownHeaders {
			if v := m.Header.Get(name); v != "" {
				p.Headers = append(p.Headers, header{name, DecodeHeader(v)})
			}
		}
		if m.HTML != "" {
			p.FrameDoc = frameDoc(m.HTML)
		}
		page(w, "message", p)
	})
	mux.HandleFunc("GET /messages/{id}/raw", func(w http.ResponseWriter, r *http.Request) {
		m, ok := message(w, r)
		if !ok {
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(m.Raw)
	})
	mux.HandleFunc("POST /clear", func(w http.ResponseWriter, r *http.Request) {
		// Only the mailbox's own form: another site cannot empty it.
		if !sameOrigin(r) {
			http.Error(w, "cross-site request refused", http.StatusForbidden)
			return
		}
		b.Clear()
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /api/v1/messages", func(w http.ResponseWriter, r *http.Request) {
		list := b.List()
		out := struct {
			Total    int          `json:"total"`
			Messages []apiSummary `json:"messages"`
		}{Total: len(list), Messages: make([]apiSummary, len(list))}
		for i, m := range list {
			out.Messages[i] = summary(m)
		}
		writeJSON(w, out)
	})
	mux.HandleFunc("GET /api/v1/message/{id}", func(w http.ResponseWriter, r *http.Request) {
		m, ok := message(w, r)
		if !ok {
			return
		}
		writeJSON(w, struct {
			apiSummary
			Text string `json:"Text"`
			HTML string `json:"HTML"`
		}{summary(m), m.Text, m.HTML})
	})
	mux.HandleFunc("GET /livez", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	return mux
}

type apiAddress struct {
	Address string `json:"Address"`
}

type apiSummary struct {
	ID      string       `json:"ID"`
	Created time.Time    `json:"Created"`
	From    apiAddress   `json:"From"`
	To      []apiAddress `json:"To"`
	Subject string       `json:"Subject"`
}

func summary(m *Message) apiSummary {
	s := apiSummary{ID: strconv.Itoa(m.ID), Created: m.Received.UTC(), From: apiAddress{m.From}, Subject: m.Subject}
	for _, t := range m.To {
		s.To = append(s.To, apiAddress{t})
	}
	return s
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(v)
}

// frameDoc is a mail's HTML for the sandboxed frame, with a <base> that
// opens its links outside the frame (in the document's head when it has
// one, so it keeps its doctype).
func frameDoc(html string) string {
	const base = `<base target="_blank">`
	if i := strings.Index(strings.ToLower(html), "<head>"); i >= 0 {
		return html[:i+len("<head>")] + base + html[i+len("<head>"):]
	}
	return base + html
}

// linkify escapes text and makes its http(s) addresses links.
func linkify(text string) template.HTML {
	var b strings.Builder
	last := 0
	for _, loc := range urlInText.FindAllStringIndex(text, -1) {
		b.WriteString(template.HTMLEscapeString(text[last:loc[0]]))
		u := strings.TrimRight(text[loc[0]:loc[1]], ".,;:!?)")
		if _, err := url.Parse(u); err == nil {
			b.WriteString(`<a href="` + template.HTMLEscapeString(u) + `" target="_blank" rel="noopener noreferrer">` + template.HTMLEscapeString(u) + `</a>`)
		} else {
			b.WriteString(template.HTMLEscapeString(u))
		}
		last = loc[0] + len(u)
	}
	b.WriteString(template.HTMLEscapeString(text[last:]))
	return template.HTML(b.String()) //nolint:gosec // every piece is escaped above
}

// sameOrigin says a POST comes from the mailbox's own page: the browser's
// Sec-Fetch-Site, else its Origin, names this host (a request without
// either, such as curl's, is allowed: it is no browser).
func sameOrigin(r *http.Request) bool {
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" {
		return s == "same-origin" || s == "none"
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		return err == nil && u.Host == r.Host
	}
	return true
}
