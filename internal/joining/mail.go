package joining

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"strings"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/mail"
)

// Mail purposes.
const (
	PurposeJoined        = "join_received"
	PurposeClaimLink     = "claim_link"
	PurposeClaimApproved = "claim_approved"
	PurposeClaimRejected = "claim_rejected"
	PurposeReviewRemind  = "review_reminder"
)

// part is one language's version of a mail; the French one comes first.
type part struct {
	Lang, Title, Hello string
	Body               []string
	LinkLabel, Link    string
	After              string
}

var partsHTML = htmltemplate.Must(htmltemplate.New("mail").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"></head>
<body style="font-family:system-ui,sans-serif;max-width:640px;line-height:1.5">
{{range $i, $m := .}}{{if $i}}<hr>{{end}}<div lang="{{.Lang}}">
<h1 style="font-size:20px">{{.Title}}</h1>
<p>{{.Hello}}</p>
{{range .Body}}<p>{{.}}</p>{{end}}
{{if .Link}}<p><a href="{{.Link}}">{{.LinkLabel}}</a></p>{{end}}
{{with .After}}<p style="color:#555;font-size:13px">{{.}}</p>{{end}}
</div>{{end}}
</body></html>
`))

// compose renders the parts as one message to to, French then English.
func compose(purpose, subject string, to mail.Address, parts ...part) mail.Message {
	var t bytes.Buffer
	for i, p := range parts {
		if i > 0 {
			t.WriteString("\n======================================================================\n\n")
		}
		fmt.Fprintf(&t, "%s\n\n%s\n\n%s\n\n", p.Title, p.Hello, strings.Join(p.Body, "\n\n"))
		if p.Link != "" {
			fmt.Fprintf(&t, "%s : %s\n\n", p.LinkLabel, p.Link)
		}
		if p.After != "" {
			fmt.Fprintf(&t, "%s\n", p.After)
		}
	}
	var h bytes.Buffer
	if err := partsHTML.Execute(&h, parts); err != nil {
		// A fixed template over plain strings: a failure is a bug.
		panic(fmt.Sprintf("joining: render mail: %v", err))
	}
	return mail.Message{Purpose: purpose, Lang: "fr", To: to, Subject: subject, Text: t.String(), HTML: h.String()}
}

func joinedMail(u *accounts.User, org, link string) mail.Message {
	return compose(PurposeJoined, "Partnerdir : "+org+" — demande reçue", mail.Address{Name: u.Name, Email: u.Email},
		part{Lang: "fr", Title: "Nous avons reçu votre demande", Hello: "Bonjour " + u.Name + ",",
			Body: []string{fmt.Sprintf("Merci d'avoir inscrit %s sur Partnerdir. Une personne de l'équipe va relire la fiche avant sa publication ; vous recevrez un message dès qu'elle sera décidée.", org),
				"En attendant, vous pouvez compléter la fiche (bureaux, équipe, projets, contacts)."},
			LinkLabel: "Compléter la fiche", Link: link},
		part{Lang: "en", Title: "We received your listing", Hello: "Hello " + u.Name + ",",
			Body: []string{fmt.Sprintf("Thank you for listing %s on Partnerdir. Someone from the team will review the profile before it is published; you will hear from us as soon as it is decided.", org),
				"Meanwhile you can complete the profile (offices, team, projects, contacts)."},
			LinkLabel: "Complete the profile", Link: link})
}

func claimLinkMail(u *accounts.User, to, org, link string) mail.Message {
	return compose(PurposeClaimLink, "Partnerdir : confirmer la gestion de "+org, mail.Address{Name: u.Name, Email: to},
		part{Lang: "fr", Title: "Confirmez que vous gérez " + org, Hello: "Bonjour " + u.Name + ",",
			Body:      []string{fmt.Sprintf("Vous avez demandé à gérer la fiche de %s sur Partnerdir avec cette adresse. Ouvrez ce lien en étant connecté·e à votre compte Partnerdir pour le confirmer.", org)},
			LinkLabel: "Confirmer", Link: link,
			After: "Ce lien fonctionne une seule fois, pendant 48 heures. Si vous n'avez rien demandé, ignorez ce message."},
		part{Lang: "en", Title: "Confirm that you manage " + org, Hello: "Hello " + u.Name + ",",
			Body:      []string{fmt.Sprintf("You asked to manage the profile of %s on Partnerdir with this address. Open this link while signed in to your Partnerdir account to confirm.", org)},
			LinkLabel: "Confirm", Link: link,
			After: "This link works once, for 48 hours. If you did not ask for this, ignore this message."})
}

func claimApprovedMail(to mail.Address, org, link string) mail.Message {
	return compose(PurposeClaimApproved, "Partnerdir : vous gérez désormais "+org, to,
		part{Lang: "fr", Title: "Demande acceptée", Hello: "Bonjour " + to.Name + ",",
			Body:      []string{fmt.Sprintf("Votre demande de gestion de la fiche de %s a été acceptée : vous en êtes maintenant responsable.", org)},
			LinkLabel: "Gérer la fiche", Link: link},
		part{Lang: "en", Title: "Claim approved", Hello: "Hello " + to.Name + ",",
			Body:      []string{fmt.Sprintf("Your claim of the profile of %s was approved: you are now its owner.", org)},
			LinkLabel: "Manage the profile", Link: link})
}

func claimRejectedMail(to mail.Address, org, reason string) mail.Message {
	return compose(PurposeClaimRejected, "Partnerdir : demande concernant "+org, to,
		part{Lang: "fr", Title: "Demande refusée", Hello: "Bonjour " + to.Name + ",",
			Body: []string{fmt.Sprintf("Votre demande de gestion de la fiche de %s n'a pas été acceptée. Motif :", org), reason,
				"Vous pouvez répondre à ce message pour nous donner plus d'informations."}},
		part{Lang: "en", Title: "Claim declined", Hello: "Hello " + to.Name + ",",
			Body: []string{fmt.Sprintf("Your claim of the profile of %s was not accepted. Reason:", org), reason,
				"You may reply with more information."}})
}

func reviewReminderMail(to mail.Address, org, link string) mail.Message {
	return compose(PurposeReviewRemind, "Partnerdir : la fiche de "+org+" est-elle à jour ?", to,
		part{Lang: "fr", Title: "Votre fiche est-elle toujours à jour ?", Hello: "Bonjour " + to.Name + ",",
			Body: []string{fmt.Sprintf("Personne n'a relu la fiche de %s depuis plus d'un an. Les donateurs se fient à ce qu'ils y lisent : bureaux, équipe, projets et contacts.", org),
				"Corrigez ce qui a changé, ou confirmez en un clic que rien n'a changé : la fiche affichera la date de cette relecture."},
			LinkLabel: "Relire la fiche", Link: link},
		part{Lang: "en", Title: "Is your profile still up to date?", Hello: "Hello " + to.Name + ",",
			Body: []string{fmt.Sprintf("Nobody has reviewed the profile of %s for more than a year. Donors rely on what they read there: offices, team, projects and contacts.", org),
				"Correct what has changed, or confirm in one click that nothing has: the profile will show the date of this review."},
			LinkLabel: "Review the profile", Link: link})
}
