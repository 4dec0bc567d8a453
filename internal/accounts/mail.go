package accounts

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"

	"github.com/partnerdir/partnerdir/internal/mail"
)

// Mail purposes.
const (
	PurposeReset  = "account_reset"
	PurposeInvite = "account_invite"
)

// accountMail is one language's version of an account mail.
type accountMail struct {
	Lang, Title, Hello, Body, LinkLabel, Link, After string
}

var accountHTML = htmltemplate.Must(htmltemplate.New("mail").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"></head>
<body style="font-family:system-ui,sans-serif;max-width:640px;line-height:1.5">
{{range $i, $m := .}}{{if $i}}<hr>{{end}}<div lang="{{.Lang}}">
<h1 style="font-size:20px">{{.Title}}</h1>
<p>{{.Hello}}</p>
<p>{{.Body}}</p>
<p><a href="{{.Link}}">{{.LinkLabel}}</a></p>
<p style="color:#555;font-size:13px">{{.After}}</p>
</div>{{end}}
</body></html>
`))

func renderAccountMail(parts ...accountMail) (text, html string) {
	var t bytes.Buffer
	for i, p := range parts {
		if i > 0 {
			t.WriteString("\n======================================================================\n\n")
		}
		fmt.Fprintf(&t, "%s\n\n%s\n\n%s\n\n%s : %s\n\n%s\n", p.Title, p.Hello, p.Body, p.LinkLabel, p.Link, p.After)
	}
	var h bytes.Buffer
	if err := accountHTML.Execute(&h, parts); err != nil {
		// A fixed template over plain strings: a failure is a bug.
		panic(fmt.Sprintf("accounts: render mail: %v", err))
	}
	return t.String(), h.String()
}

func resetMail(u *User, lang, link string) mail.Message {
	m := accountMail{Lang: "fr", Title: "Choisir un nouveau mot de passe", Hello: "Bonjour " + u.Name + ",",
		Body:      "Quelqu'un (vous, sans doute) a demandé à changer le mot de passe de votre compte Partnerdir. Ce lien fonctionne une seule fois, pendant une heure.",
		LinkLabel: "Choisir un nouveau mot de passe", Link: link,
		After: "Si vous n'avez rien demandé, ignorez ce message : votre mot de passe ne change pas."}
	subject := "Partnerdir : nouveau mot de passe"
	if lang == "en" {
		m = accountMail{Lang: "en", Title: "Choose a new password", Hello: "Hello " + u.Name + ",",
			Body:      "Someone (probably you) asked to change the password of your Partnerdir account. This link works once, for one hour.",
			LinkLabel: "Choose a new password", Link: link,
			After: "If you did not ask for this, ignore this message: your password does not change."}
		subject = "Partnerdir: new password"
	}
	text, html := renderAccountMail(m)
	return mail.Message{Purpose: PurposeReset, Lang: m.Lang, To: mail.Address{Name: u.Name, Email: u.Email},
		Subject: subject, Text: text, HTML: html}
}

func inviteMail(u *User, inv Invitation, link string) mail.Message {
	roleFR, roleEN := "éditeur·rice", "editor"
	if inv.Role == OrgOwner {
		roleFR, roleEN = "responsable", "owner"
	}
	text, html := renderAccountMail(
		accountMail{Lang: "fr", Title: "Invitation à gérer " + inv.OrganisationName, Hello: "Bonjour " + u.Name + ",",
			Body:      fmt.Sprintf("%s vous donne accès, comme %s, à la fiche de %s sur Partnerdir.", inv.InviterName, roleFR, inv.OrganisationName),
			LinkLabel: "Accepter l'invitation", Link: link,
			After: "Ce lien fonctionne une seule fois, pendant 7 jours. Si vous ne connaissez pas cette organisation, ignorez ce message."},
		accountMail{Lang: "en", Title: "Invitation to manage " + inv.OrganisationName, Hello: "Hello " + u.Name + ",",
			Body:      fmt.Sprintf("%s gives you access, as %s, to the profile of %s on Partnerdir.", inv.InviterName, roleEN, inv.OrganisationName),
			LinkLabel: "Accept the invitation", Link: link,
			After: "This link works once, for 7 days. If you do not know this organisation, ignore this message."})
	return mail.Message{Purpose: PurposeInvite, Lang: "fr", To: mail.Address{Name: u.Name, Email: u.Email},
		Subject: "Partnerdir : invitation à gérer " + inv.OrganisationName, Text: text, HTML: html}
}
