package kit

import (
	"html/template"

	"github.com/partnerdir/partnerdir/internal/news"
)

// ArticleText is one language version of an article as the editor's
// preview and the staff's review show it: the body is HTML rendered and
// sanitised by the news store (internal/richtext's allow-list), never the
// author's raw text.
type ArticleText struct {
	Lang  string
	Title string
	Lead  string
	Body  template.HTML
}

// ArticleTexts are article a's stored language versions, French first.
func ArticleTexts(a *news.Article) []ArticleText {
	out := make([]ArticleText, len(a.Translations))
	for i, t := range a.Translations {
		// body_html was rendered and sanitised when the article was saved.
		out[i] = ArticleText{Lang: t.Lang, Title: t.Title, Lead: t.Lead, Body: template.HTML(t.BodyHTML)}
	}
	return out
}
