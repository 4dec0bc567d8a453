package mail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"

	"github.com/partnerdir/partnerdir/internal/directory"
)

// OfferMail is what the two mails about a new support offer say.
type OfferMail struct {
	OfferID          int64
	Reference        string
	OrganisationName string
	Kind             directory.SupportKind
	ProjectTitle     string
	OfficeName       string
	Message          string
	DonorName        string
	DonorEmail       string
	DonorPhone       string
	DonorCompany     string
	// DonorLang is the language of the acknowledgment ("fr" or "en").
	DonorLang string
	Contact   Address
	// OfferURL is where the organisation reads and follows up the offer.
	OfferURL string
	// PrivacyURL is the privacy notice the donor agreed to.
	PrivacyURL string
}

// Purposes of the offer mails.
const (
	PurposeOfferContact = "offer_contact"
	PurposeOfferAck     = "offer_ack"
)

// document is a mail's content, independent of its format, so the text and
// the HTML parts always say the same thing.
type document struct {
	Lang     string
	Title    string
	Intro    []string
	Fields   [][2]string
	Quote    string
	Link     [2]string // label, URL
	Outro    []string
	Footer   string
	Sections []document // further languages, after a rule
}

// ContactMessage is the mail to the contact the offer was routed to: from
// the platform, Reply-To the donor (a From in the donor's name would fail
// DMARC), in French then English.
func (o OfferMail) ContactMessage() Message {
	fr, en := o.contactDoc("fr"), o.contactDoc("en")
	fr.Sections = []document{en}
	return Message{
		OfferID: o.OfferID,
		Purpose: PurposeOfferContact,
		Lang:    "fr",
		To:      o.Contact,
		ReplyTo: Address{Name: o.DonorName, Email: o.DonorEmail},
		Subject: fmt.Sprintf("%s – %s / %s (%s)", o.Reference, o.Kind.Label("fr"), o.Kind.Label("en"), o.DonorName),
		Text:    renderText(fr),
		HTML:    renderHTML(fr),
	}
}

func (o OfferMail) contactDoc(lang string) document {
	t := func(fr, en string) string {
		if lang == "en" {
			return en
		}
		return fr
	}
	d := document{
		Lang:  lang,
		Title: t("Nouvelle offre de soutien ", "New support offer ") + o.Reference,
		Intro: []string{fmt.Sprintf(t("%s propose son aide à %s par Partnerdir. Répondez directement à ce message pour lui écrire.",
			"%s offers to help %s through Partnerdir. Reply to this message to write to them."), o.DonorName, o.OrganisationName)},
	}
	d.Fields = append(d.Fields, [2]string{t("Type de soutien", "Kind of support"), o.Kind.Label(lang)})
	if o.ProjectTitle != "" {
		d.Fields = append(d.Fields, [2]string{t("Projet", "Project"), o.ProjectTitle})
	}
	if o.OfficeName != "" {
		d.Fields = append(d.Fields, [2]string{t("Bureau", "Office"), o.OfficeName})
	}
	d.Fields = append(d.Fields, [2]string{t("Nom", "Name"), o.DonorName}, [2]string{t("E-mail", "Email"), o.DonorEmail})
	if o.DonorPhone != "" {
		d.Fields = append(d.Fields, [2]string{t("Téléphone", "Phone"), o.DonorPhone})
	}
	if o.DonorCompany != "" {
		d.Fields = append(d.Fields, [2]string{t("Entreprise ou organisation", "Company or organisation"), o.DonorCompany})
	}
	lang2 := map[string]string{"fr": t("français", "French"), "en": t("anglais", "English")}[o.DonorLang]
	d.Fields = append(d.Fields, [2]string{t("Langue préférée", "Preferred language"), lang2})
	d.Quote = o.Message
	if o.OfferURL != "" {
		d.Link = [2]string{t("Suivre cette offre", "Follow up this offer"), o.OfferURL}
	}
	d.Footer = t("La personne a accepté que son offre et ses coordonnées vous soient transmises.",
		"The donor agreed that the offer and their contact details be passed on to you.")
	return d
}

// AckMessage is the acknowledgment to the donor, in their language.
func (o OfferMail) AckMessage() Message {
	lang := o.DonorLang
	if lang != "en" {
		lang = "fr"
	}
	t := func(fr, en string) string {
		if lang == "en" {
			return en
		}
		return fr
	}
	d := document{
		Lang:  lang,
		Title: t("Votre offre de soutien est bien arrivée", "Your offer of support has arrived"),
		Intro: []string{
			fmt.Sprintf(t("Bonjour %s,", "Hello %s,"), o.DonorName),
			fmt.Sprintf(t("Merci ! Votre offre à %s est enregistrée sous la référence %s.",
				"Thank you! Your offer to %s is recorded under reference %s."), o.OrganisationName, o.Reference),
		},
		Fields: [][2]string{{t("Type de soutien", "Kind of support"), o.Kind.Label(lang)}},
		Quote:  o.Message,
		Outro: []string{
			t("Et maintenant ? Nous l'avons transmise à la bonne personne de l'organisation, qui vous répondra directement par e-mail, en général sous quelques jours ouvrés.",
				"What happens next? We passed it on to the right person at the organisation, who will reply to you directly by email, usually within a few working days."),
			t("Vous n'avez rien d'autre à faire. Si vous ne recevez pas de réponse, répondez à ce message en citant votre référence.",
				"There is nothing else you need to do. If you hear nothing back, reply to this message quoting your reference."),
		},
		Footer: t("Vous recevez ce message parce que vous avez envoyé une offre sur Partnerdir.",
			"You receive this message because you sent an offer on Partnerdir."),
	}
	if o.PrivacyURL != "" {
		d.Link = [2]string{t("Comment nous traitons vos données", "How we handle your data"), o.PrivacyURL}
	}
	return Message{
		OfferID: o.OfferID,
		Purpose: PurposeOfferAck,
		Lang:    lang,
		To:      Address{Name: o.DonorName, Email: o.DonorEmail},
		Subject: fmt.Sprintf(t("Votre offre %s à %s", "Your offer %s to %s"), o.Reference, o.OrganisationName),
		Text:    renderText(d),
		HTML:    renderHTML(d),
	}
}

var textTmpl = texttemplate.Must(texttemplate.New("text").Funcs(texttemplate.FuncMap{"quote": quoteText}).Parse(`{{define "doc"}}{{.Title}}
{{range .Intro}}
{{.}}
{{end}}{{if .Fields}}
{{range .Fields}}{{index . 0}} : {{index . 1}}
{{end}}{{end}}{{if .Quote}}
{{quote .Quote}}
{{end}}{{range .Outro}}
{{.}}
{{end}}{{if index .Link 1}}
{{index .Link 0}} : {{index .Link 1}}
{{end}}
-- 
{{.Footer}}
{{end}}{{template "doc" .}}{{range .Sections}}
======================================================================

{{template "doc" .}}{{end}}`))

var htmlTmpl = htmltemplate.Must(htmltemplate.New("html").Funcs(htmltemplate.FuncMap{"paras": paragraphs}).Parse(`{{define "doc"}}<div lang="{{.Lang}}">
<h1 style="font-size:20px">{{.Title}}</h1>
{{range .Intro}}<p>{{.}}</p>
{{end}}{{if .Fields}}<table role="presentation" cellpadding="4">{{range .Fields}}
<tr><th align="left" valign="top">{{index . 0}}</th><td>{{index . 1}}</td></tr>{{end}}
</table>{{end}}
{{if .Quote}}<blockquote style="border-left:3px solid #888;margin:16px 0;padding:4px 12px">{{range .Quote | paras}}<p>{{.}}</p>{{end}}</blockquote>{{end}}
{{range .Outro}}<p>{{.}}</p>
{{end}}{{if index .Link 1}}<p><a href="{{index .Link 1}}">{{index .Link 0}}</a></p>{{end}}
<p style="color:#555;font-size:12px">{{.Footer}}</p>
</div>{{end}}<!DOCTYPE html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body style="font-family:system-ui,sans-serif;max-width:640px;line-height:1.5">
{{template "doc" .}}{{range .Sections}}<hr>
{{template "doc" .}}{{end}}
</body></html>
`))

func renderText(d document) string {
	var b bytes.Buffer
	if err := textTmpl.Execute(&b, d); err != nil {
		// The template is fixed and the data plain strings: a failure is a bug.
		panic(fmt.Sprintf("mail: render text: %v", err))
	}
	return b.String()
}

func renderHTML(d document) string {
	var b bytes.Buffer
	if err := htmlTmpl.Execute(&b, d); err != nil {
		panic(fmt.Sprintf("mail: render html: %v", err))
	}
	return b.String()
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
