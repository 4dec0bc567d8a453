package directory

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
)

// Mail purposes of review decisions.
const (
	PurposeRejection     = "organisation_rejected"
	PurposeApproval      = "organisation_published"
	PurposeSuspension    = "organisation_suspended"
	PurposeReinstatement = "organisation_reinstated"
)

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
{{if .Reason}}<p><strong>{{.ReasonLabel}}</strong></p>
<blockquote style="border-left:3px solid #ccc;margin:0;padding:0 1em;white-space:pre-wrap">{{.Reason}}</blockquote>{{end}}
<p><a href="{{.Link}}">{{.LinkLabel}}</a></p>
<p style="color:#555;font-size:13px">{{.After}}</p>
</div>{{end}}
</body></html>
`))

// decisionMail tells an owner, in French then English, what an admin
// decided on their organisation: why a listing was not published or a
// profile suspended, or that it is (again) public. base is the site's
// address.
func decisionMail(decision string, to Person, orgName, slug, reason, base string) Mail {
	manage, public := base+"/manage/"+slug, base+"/organisations/"+slug
	var fr, en reviewMail
	var purpose, subject string
	switch decision {
	case DecisionReject:
		purpose, subject = PurposeRejection, "Partnerdir : fiche non publiée / listing not published — "+orgName
		fr = reviewMail{Title: "Votre fiche « " + orgName + " » n'a pas été publiée",
			Body:      "L'équipe de Partnerdir a relu la fiche de " + orgName + " et ne peut pas la publier en l'état.",
			LinkLabel: "Modifier la fiche", Link: manage,
			After: "Une fois la fiche complétée, vous pouvez la soumettre à nouveau. Répondez à ce message pour toute question."}
		en = reviewMail{Title: "Your listing \"" + orgName + "\" was not published",
			Body:      "The Partnerdir team reviewed the profile of " + orgName + " and cannot publish it as it stands.",
			LinkLabel: "Edit the profile", Link: manage,
			After: "Once the profile is complete you can submit it again. Reply to this message with any question."}
	case DecisionSuspend:
		purpose, subject = PurposeSuspension, "Partnerdir : fiche suspendue / profile suspended — "+orgName
		fr = reviewMail{Title: "La fiche « " + orgName + " » est suspendue",
			Body:      "L'équipe de Partnerdir a retiré la fiche de " + orgName + " de l'annuaire public. Vous pouvez toujours la modifier.",
			LinkLabel: "Voir la fiche", Link: manage,
			After: "Répondez à ce message pour en parler avec l'équipe."}
		en = reviewMail{Title: "The profile of \"" + orgName + "\" is suspended",
			Body:      "The Partnerdir team took the profile of " + orgName + " out of the public directory. You can still edit it.",
			LinkLabel: "See the profile", Link: manage,
			After: "Reply to this message to talk it over with the team."}
	default: // approve, reinstate
		purpose, subject = PurposeApproval, "Partnerdir : fiche publiée / profile published — "+orgName
		if decision == DecisionReinstate {
			purpose = PurposeReinstatement
		}
		fr = reviewMail{Title: "La fiche « " + orgName + " » est en ligne",
			Body:      "L'équipe de Partnerdir a publié la fiche de " + orgName + " : les donateurs la trouvent désormais dans l'annuaire et peuvent vous proposer leur aide.",
			LinkLabel: "Voir la fiche publique", Link: public,
			After: "Gardez-la à jour depuis votre espace : bureaux, équipe, projets et contacts."}
		en = reviewMail{Title: "The profile of \"" + orgName + "\" is live",
			Body:      "The Partnerdir team published the profile of " + orgName + ": donors now find it in the directory and can offer you their support.",
			LinkLabel: "See the public profile", Link: public,
			After: "Keep it current from your space: offices, team, projects and contacts."}
	}
	fr.Lang, fr.Hello, fr.ReasonLabel, fr.Reason = "fr", "Bonjour "+to.Name+",", "Motif :", reason
	en.Lang, en.Hello, en.ReasonLabel, en.Reason = "en", "Hello "+to.Name+",", "Reason:", reason
	parts := []reviewMail{fr, en}
	var t bytes.Buffer
	for i, p := range parts {
		if i > 0 {
			t.WriteString("\n======================================================================\n\n")
		}
		fmt.Fprintf(&t, "%s\n\n%s\n\n%s\n\n", p.Title, p.Hello, p.Body)
		if p.Reason != "" {
			fmt.Fprintf(&t, "%s\n%s\n\n", p.ReasonLabel, p.Reason)
		}
		fmt.Fprintf(&t, "%s : %s\n\n%s\n", p.LinkLabel, p.Link, p.After)
	}
	var h bytes.Buffer
	if err := reviewHTML.Execute(&h, parts); err != nil {
		// A fixed template over plain strings: a failure is a bug.
		panic(fmt.Sprintf("directory: render mail: %v", err))
	}
	return Mail{Purpose: purpose, Lang: "fr", ToName: to.Name, ToEmail: to.Email,
		Subject: subject, Text: t.String(), HTML: h.String()}
}
