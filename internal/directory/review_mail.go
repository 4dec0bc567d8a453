package directory

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
)

// PurposeRejection is the mail purpose of a rejected listing.
const PurposeRejection = "organisation_rejected"

// reviewMail is one language's version of a review mail.
type reviewMail struct {
	Lang, Title, Hello, Body, ReasonLabel, Reason, LinkLabel, Link, After string
}

var reviewHTML = htmltemplate.Must(htmltemplate.New("mail").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"></head>
<body style="font-family:system-ui,sans-serif;max-width:640px;line-height:1.5">
{{range $i, $m := .}}{{if $i}}<hr>{{end}}<div lang="{{.Lang}}">
<h1 style="font-size:20px">{{.Title}}</h1>
<p>{{.Hello}}</p>
<p>{{.Body}}</p>
<p><strong>{{.ReasonLabel}}</strong></p>
<blockquote style="border-left:3px solid #ccc;margin:0;padding:0 1em;white-space:pre-wrap">{{.Reason}}</blockquote>
<p><a href="{{.Link}}">{{.LinkLabel}}</a></p>
<p style="color:#555;font-size:13px">{{.After}}</p>
</div>{{end}}
</body></html>
`))

// rejectionMail tells an owner, in French then English, why their
// listing was not published and where to fix it.
func rejectionMail(to Person, orgName, reason, link string) Mail {
	parts := []reviewMail{
		{Lang: "fr", Title: "Votre fiche « " + orgName + " » n'a pas été publiée", Hello: "Bonjour " + to.Name + ",",
			Body:        "L'équipe de Partnerdir a relu la fiche de " + orgName + " et ne peut pas la publier en l'état.",
			ReasonLabel: "Motif :", Reason: reason, LinkLabel: "Modifier la fiche", Link: link,
			After: "Une fois la fiche complétée, vous pouvez la soumettre à nouveau. Répondez à ce message pour toute question."},
		{Lang: "en", Title: "Your listing \"" + orgName + "\" was not published", Hello: "Hello " + to.Name + ",",
			Body:        "The Partnerdir team reviewed the profile of " + orgName + " and cannot publish it as it stands.",
			ReasonLabel: "Reason:", Reason: reason, LinkLabel: "Edit the profile", Link: link,
			After: "Once the profile is complete you can submit it again. Reply to this message with any question."},
	}
	var t bytes.Buffer
	for i, p := range parts {
		if i > 0 {
			t.WriteString("\n======================================================================\n\n")
		}
		fmt.Fprintf(&t, "%s\n\n%s\n\n%s\n\n%s\n%s\n\n%s : %s\n\n%s\n", p.Title, p.Hello, p.Body, p.ReasonLabel, p.Reason, p.LinkLabel, p.Link, p.After)
	}
	var h bytes.Buffer
	if err := reviewHTML.Execute(&h, parts); err != nil {
		// A fixed template over plain strings: a failure is a bug.
		panic(fmt.Sprintf("directory: render mail: %v", err))
	}
	return Mail{Purpose: PurposeRejection, Lang: "fr", ToName: to.Name, ToEmail: to.Email,
		Subject: "Partnerdir : fiche non publiée / listing not published — " + orgName, Text: t.String(), HTML: h.String()}
}
