package web_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/news"
	"github.com/partnerdir/partnerdir/internal/web"
)

// The editor's side of partner news (/manage/:org/news), staff's review
// (/staff/news) and the admin's trust (/admin/organisations/:id).

// draftArticle stores a French draft of organisation orgID, written by
// the system, and returns its id.
func (f *accountsFixture) draftArticle(t *testing.T, orgID int64, title string) int64 {
	t.Helper()
	s, err := f.news.Create(context.Background(), audit.System("test"), orgID, news.Input{FR: news.Text{Title: title, Body: "Un texte."}})
	if err != nil {
		t.Fatal(err)
	}
	return s.ID
}

// publishedArticle is draftArticle submitted and approved by the system.
func (f *accountsFixture) publishedArticle(t *testing.T, orgID int64, title string) int64 {
	t.Helper()
	ctx, sys := context.Background(), audit.System("test")
	id := f.draftArticle(t, orgID, title)
	s, err := f.news.Submit(ctx, sys, id)
	if err == nil && s.Status == news.StatusSubmitted {
		_, err = f.news.Approve(ctx, sys, id, s.Version)
	}
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// article reads an article's status, version and French title.
func (f *accountsFixture) article(t *testing.T, id int64) (status string, version int, title string) {
	t.Helper()
	err := f.pool.QueryRow(context.Background(), `SELECT a.status, a.version, COALESCE(t.title, '') FROM articles a
		LEFT JOIN article_translations t ON t.article_id = a.id AND t.lang = 'fr' WHERE a.id = $1`, id).Scan(&status, &version, &title)
	if err != nil {
		t.Fatal(err)
	}
	return status, version, title
}

func clone(v url.Values) url.Values {
	out := url.Values{}
	for k, x := range v {
		out[k] = append([]string(nil), x...)
	}
	return out
}

// with is v with name set to value.
func with(v url.Values, kv ...string) url.Values {
	out := clone(v)
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

// postMultipart sends fields and files as multipart/form-data, with the
// browser's form token.
func (b *browser) postMultipart(path string, fields url.Values, files map[string][]byte) *httptest.ResponseRecorder {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField(web.CSRFField, b.token)
	for k, vs := range fields {
		for _, v := range vs {
			_ = w.WriteField(k, v)
		}
	}
	for field, data := range files {
		fw, _ := w.CreateFormFile(field, field+".jpg")
		_, _ = fw.Write(data)
	}
	_ = w.Close()
	req := httptest.NewRequest(http.MethodPost, path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.do(req)
}

var savedArticle = regexp.MustCompile(`^/manage/ecpat-luxembourg/news/([0-9]+)\?done=([a-z]+)$`)

// savedID is the article a save redirected to, and the confirmation.
func savedID(t *testing.T, rec *httptest.ResponseRecorder) (int64, string) {
	t.Helper()
	m := savedArticle.FindStringSubmatch(rec.Header().Get("Location"))
	if rec.Code != http.StatusSeeOther || m == nil {
		t.Fatalf("save: %d → %q\n%s", rec.Code, rec.Header().Get("Location"), rec.Body.String())
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id, m[2]
}

// messageIDs are message ids shown as they are: a message missing from
// the locale files.
var messageIDs = regexp.MustCompile(`[>\s"](?:newsroom|upload|news|richtext)\.[a-z_]+(?:\.[a-z_]+)*`)

// translated fails when rec's page shows a message id instead of its text.
func translated(t *testing.T, rec *httptest.ResponseRecorder) *httptest.ResponseRecorder {
	t.Helper()
	if m := messageIDs.FindAllString(rec.Body.String(), 5); m != nil {
		t.Errorf("untranslated messages %q on the page", m)
	}
	return rec
}

// versionOn reads the version field of a page's form.
var versionField = regexp.MustCompile(`name="version" value="([0-9]+)"`)

func versionOn(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	m := versionField.FindStringSubmatch(rec.Body.String())
	if m == nil {
		t.Fatalf("no version on the page:\n%s", rec.Body.String())
	}
	return m[1]
}

func TestArticleEditorFlowFromDraftToPublished(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.user(t, "editor@example.org", "", "ecpat-luxembourg", accounts.OrgEditor)
	f.user(t, "staff@example.org", accounts.RoleStaff, "", "")
	org := f.orgID(t, "ecpat-luxembourg")
	project := f.count(t, `SELECT id FROM projects WHERE organisation_id = $1 ORDER BY id LIMIT 1`, org)
	member := f.count(t, `SELECT id FROM team_members WHERE organisation_id = $1 AND full_name LIKE 'Halimatou%'`, org)

	ed := f.browser(t)
	ed.login("editor@example.org")
	wantStatus(t, translated(t, ed.get("/manage/ecpat-luxembourg/news")), http.StatusOK, "We love ECPAT", "Publié", `href="/manage/ecpat-luxembourg/news/new"`)
	wantStatus(t, translated(t, ed.get("/manage/ecpat-luxembourg/news/new")), http.StatusOK, `enctype="multipart/form-data"`, `name="title_fr"`,
		`name="body_en"`, `name="cover_file"`, `name="image_file"`, `value="preview"`, "Halimatou")

	form := url.Values{"title_fr": {"Une école à Ségou"}, "lead_fr": {"Des classes sûres pour les enfants déplacés."},
		"body_fr": {"## Le projet\n\nDes **classes** sûres, avec [nos partenaires](https://ecpat.lu)."},
		"themes":  {"child-protection"}, "countries": {"ML"}, "projects": {strconv.Itoa(project)}, "members": {strconv.Itoa(member)}}
	articles := f.count(t, `SELECT count(*) FROM articles`)
	audits := f.count(t, `SELECT count(*) FROM audit_log`)

	// The preview renders the article beside the form and stores nothing.
	rec := translated(t, ed.post("/manage/ecpat-luxembourg/news/new", with(form, "do", "preview")))
	wantStatus(t, rec, http.StatusOK, `<section class="preview"`, `<article class="article-preview" lang="fr">`, "<h2>Le projet</h2>",
		"<strong>classes</strong>", `rel="nofollow ugc noopener"`, `value="Une école à Ségou"`, "Des classes sûres pour les enfants déplacés.")
	if n := f.count(t, `SELECT count(*) FROM articles`); n != articles {
		t.Errorf("the preview stored an article: %d, want %d", n, articles)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log`); n != audits {
		t.Errorf("the preview wrote %d audit entries", n-audits)
	}

	id, done := savedID(t, ed.post("/manage/ecpat-luxembourg/news/new", with(form, "do", "save")))
	if done != "saved" {
		t.Errorf("confirmation %q", done)
	}
	wantStatus(t, translated(t, ed.get(fmt.Sprintf("/manage/ecpat-luxembourg/news/%d?done=saved", id))), http.StatusOK,
		"Article enregistré.", "Brouillon", `value="Une école à Ségou"`, "Enregistrer et soumettre à la relecture")
	if st, _, _ := f.article(t, id); st != news.StatusDraft {
		t.Errorf("saved as %s", st)
	}
	if n := f.count(t, `SELECT count(*) FROM article_members WHERE article_id = $1 AND member_id = $2`, id, member); n != 1 {
		t.Error("the team member presented was not stored")
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'article.create' AND entity_id = $1 AND actor = 'editor@example.org'`, id); n != 1 {
		t.Errorf("%d article.create audit entries by the editor", n)
	}

	// Submitted from the list; another article is submitted after it.
	ed.get("/manage/ecpat-luxembourg/news")
	rec = ed.post(fmt.Sprintf("/manage/ecpat-luxembourg/news/%d/submit", id), nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/manage/ecpat-luxembourg/news?done=submitted" {
		t.Fatalf("submit: %d %q\n%s", rec.Code, rec.Header().Get("Location"), rec.Body.String())
	}
	wantStatus(t, ed.get("/manage/ecpat-luxembourg/news?done=submitted"), http.StatusOK, "Article envoyé à la relecture", "En relecture")
	later := f.draftArticle(t, org, "Un second article")
	if _, err := f.news.Submit(context.Background(), audit.System("test"), later); err != nil {
		t.Fatal(err)
	}

	// Staff see the queue, oldest first, and its count in the header.
	st := f.signedIn(t, "staff@example.org", true)
	rec = translated(t, st.get("/staff/news"))
	wantStatus(t, rec, http.StatusOK, `href="/staff/news"`, `<span class="nav-count">(2)</span>`, "En attente (2)",
		fmt.Sprintf(`href="/staff/news/%d"`, id), "editor")
	if body := rec.Body.String(); strings.Index(body, "Une école à Ségou") > strings.Index(body, "Un second article") {
		t.Error("the queue is not oldest first")
	}
	rec = translated(t, st.get(fmt.Sprintf("/staff/news/%d", id)))
	wantStatus(t, rec, http.StatusOK, "<h2>Le projet</h2>", "Approuver et publier", "Renvoyer à l&#39;organisation", "editor@example.org",
		"Halimatou")
	rec = st.post(fmt.Sprintf("/staff/news/%d/approve", id), url.Values{"version": {versionOn(t, rec)}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/staff/news?done=published" {
		t.Fatalf("approve: %d %q\n%s", rec.Code, rec.Header().Get("Location"), rec.Body.String())
	}
	wantStatus(t, st.get("/staff/news?done=published"), http.StatusOK, "Article approuvé et publié.", `<span class="nav-count">(1)</span>`)
	if s, _, _ := f.article(t, id); s != news.StatusPublished {
		t.Errorf("approved article is %s", s)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'article.approve' AND entity_id = $1 AND actor = 'staff@example.org'`, id); n != 1 {
		t.Errorf("%d approve audit entries by staff", n)
	}
	a, err := f.news.BySlug(context.Background(), "une-ecole-a-segou")
	if err != nil || a.ID != id {
		t.Fatalf("the published article is not public: %v", err)
	}
	// The same pages in English.
	ed.header.Set("Accept-Language", "en")
	st.header.Set("Accept-Language", "en")
	wantStatus(t, translated(t, ed.get(fmt.Sprintf("/manage/ecpat-luxembourg/news/%d", id))), http.StatusOK, "Edit the article", "Published")
	wantStatus(t, translated(t, ed.get("/manage/ecpat-luxembourg/news/new")), http.StatusOK, "Save and submit for review", "Insert an image in the text")
	wantStatus(t, translated(t, st.get("/staff/news")), http.StatusOK, "Articles to review", "Latest published articles")
	wantStatus(t, translated(t, st.get(fmt.Sprintf("/staff/news/%d", id))), http.StatusOK, "Withdraw the article")
	ed.header.Del("Accept-Language")
	body := ed.get("/manage/ecpat-luxembourg/news").Body.String()
	row := body[strings.Index(body, "Une école à Ségou"):]
	if !strings.Contains(row[:min(len(row), 800)], "Publié") {
		t.Errorf("the editor's list does not show the article as published:\n%s", row[:min(len(row), 800)])
	}
}

func TestEditingAPublishedArticleGoesBackToReviewUnlessTrusted(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.user(t, "editor@example.org", "", "ecpat-luxembourg", accounts.OrgEditor)
	f.user(t, "admin@example.org", accounts.RoleAdmin, "", "")
	org := f.orgID(t, "ecpat-luxembourg")
	id := f.publishedArticle(t, org, "Notre bureau de Bamako")
	ed := f.browser(t)
	ed.login("editor@example.org")
	edit := fmt.Sprintf("/manage/ecpat-luxembourg/news/%d", id)
	save := func(title string) string {
		t.Helper()
		rec := ed.get(edit)
		form := url.Values{"version": {versionOn(t, rec)}, "title_fr": {title}, "body_fr": {"Un texte revu."}, "do": {"save"}}
		_, done := savedID(t, ed.post(edit, form))
		return done
	}

	wantStatus(t, ed.get(edit), http.StatusOK, "L&#39;enregistrer renvoie vos modifications à la relecture")
	if done := save("Notre bureau de Bamako, revu"); done != "resubmitted" {
		t.Errorf("untrusted edit: confirmation %q, want resubmitted", done)
	}
	if s, _, title := f.article(t, id); s != news.StatusSubmitted || title != "Notre bureau de Bamako, revu" {
		t.Errorf("untrusted edit: %s %q, want submitted", s, title)
	}
	if _, err := f.news.BySlug(context.Background(), "notre-bureau-de-bamako"); fault.KindOf(err) != fault.NotFound {
		t.Errorf("the edit awaiting review is still public: %v", err)
	}
	wantStatus(t, ed.get(edit+"?done=resubmitted"), http.StatusOK, "envoyées à la relecture", "En relecture")

	// An admin trusts the organisation; its next edit stays online.
	admin := f.signedIn(t, "admin@example.org", true)
	page := fmt.Sprintf("/admin/organisations/%d", org)
	wantStatus(t, translated(t, admin.get(page)), http.StatusOK, "Ses articles sont relus", "Publier ses articles sans relecture")
	rec := admin.post(page+"/news-trust", url.Values{"trusted": {"1"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != page+"?done=news_trusted" {
		t.Fatalf("trust: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	wantStatus(t, admin.get(page+"?done=news_trusted"), http.StatusOK, "publie désormais ses articles sans relecture", "De confiance")
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'organisation.news_trust' AND entity_id = $1 AND actor = 'admin@example.org'`, org); n != 1 {
		t.Errorf("%d trust audit entries", n)
	}
	_, v, _ := f.article(t, id)
	if _, err := f.news.Approve(context.Background(), audit.System("test"), id, v); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, ed.get(edit), http.StatusOK, "vos modifications le seront dès l&#39;enregistrement")
	if done := save("Notre bureau de Bamako, encore revu"); done != "saved" {
		t.Errorf("trusted edit: confirmation %q, want saved", done)
	}
	if s, _, _ := f.article(t, id); s != news.StatusPublished {
		t.Errorf("trusted edit: %s, want published", s)
	}
	// A trusted organisation's new article is online once submitted.
	wantStatus(t, ed.get("/manage/ecpat-luxembourg/news/new"), http.StatusOK, "Enregistrer et publier")
	nid, done := savedID(t, ed.post("/manage/ecpat-luxembourg/news/new",
		url.Values{"title_fr": {"Tout de suite en ligne"}, "body_fr": {"Sans attendre."}, "do": {"submit"}}))
	if s, _, _ := f.article(t, nid); done != "published" || s != news.StatusPublished {
		t.Errorf("trusted submission: %q %s, want published", done, s)
	}

	// Trust taken back: audited too.
	admin.post(page+"/news-trust", url.Values{"trusted": {"0"}})
	if n := f.count(t, `SELECT count(*) FROM organisations WHERE id = $1 AND NOT news_trusted`, org); n != 1 {
		t.Error("the trust was not taken back")
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'organisation.news_trust' AND entity_id = $1`, org); n != 2 {
		t.Errorf("%d trust audit entries, want 2", n)
	}
}

func TestSendBackNeedsAReasonAndMailsTheAuthor(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.user(t, "editor@example.org", "", "ecpat-luxembourg", accounts.OrgEditor)
	f.user(t, "staff@example.org", accounts.RoleStaff, "", "")
	ed := f.browser(t)
	ed.login("editor@example.org")
	ed.get("/manage/ecpat-luxembourg/news/new")
	id, done := savedID(t, ed.post("/manage/ecpat-luxembourg/news/new",
		url.Values{"title_fr": {"Un article à revoir"}, "body_fr": {"Sans source."}, "do": {"submit"}}))
	if done != "submitted" {
		t.Fatalf("submission: %q", done)
	}

	st := f.signedIn(t, "staff@example.org", true)
	page := fmt.Sprintf("/staff/news/%d", id)
	version := versionOn(t, st.get(page))
	rec := st.post(page+"/send-back", url.Values{"version": {version}, "reason": {"  "}})
	wantStatus(t, rec, http.StatusUnprocessableEntity, `id="reason-err"`, "Obligatoire.", `aria-invalid="true"`)
	if s, _, _ := f.article(t, id); s != news.StatusSubmitted {
		t.Errorf("a send-back without reason moved the article to %s", s)
	}
	if n := f.count(t, `SELECT count(*) FROM mail_messages WHERE purpose = 'article_sent_back'`); n != 0 {
		t.Errorf("%d mails queued for a refused send-back", n)
	}

	const reason = "Merci d'indiquer la source des chiffres."
	rec = st.post(page+"/send-back", url.Values{"version": {version}, "reason": {reason}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/staff/news?done=draft" {
		t.Fatalf("send back: %d %q\n%s", rec.Code, rec.Header().Get("Location"), rec.Body.String())
	}
	wantStatus(t, st.get("/staff/news?done=draft"), http.StatusOK, "Article renvoyé")
	if s, _, _ := f.article(t, id); s != news.StatusDraft {
		t.Errorf("sent back article is %s", s)
	}
	if n := f.count(t, `SELECT count(*) FROM mail_messages WHERE purpose = 'article_sent_back' AND to_email = 'editor@example.org'
		AND text_body LIKE '%' || $1 || '%' AND text_body LIKE '%/manage/ecpat-luxembourg/news%'`, reason); n != 1 {
		t.Errorf("%d mails to the author with the reason, want 1", n)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'article.send_back' AND entity_id = $1 AND actor = 'staff@example.org'`, id); n != 1 {
		t.Errorf("%d send-back audit entries", n)
	}
	// The editor sees why, on the list and on the article.
	wantStatus(t, ed.get("/manage/ecpat-luxembourg/news"), http.StatusOK, "Renvoyé par l&#39;équipe de Partnerdir", "Merci d&#39;indiquer la source des chiffres.")
	wantStatus(t, ed.get(fmt.Sprintf("/manage/ecpat-luxembourg/news/%d", id)), http.StatusOK, "Merci d&#39;indiquer la source des chiffres.")

	// A decision on a version staff did not read is a conflict.
	_, done = savedID(t, ed.post(fmt.Sprintf("/manage/ecpat-luxembourg/news/%d", id),
		url.Values{"version": {versionOn(t, ed.get(fmt.Sprintf("/manage/ecpat-luxembourg/news/%d", id)))}, "title_fr": {"Un article revu"},
			"body_fr": {"Avec la source."}, "do": {"submit"}}))
	if done != "submitted" {
		t.Fatalf("resubmission: %q", done)
	}
	wantStatus(t, st.post(page+"/approve", url.Values{"version": {version}}), http.StatusConflict, "L&#39;article a changé depuis que vous l&#39;avez ouvert")
	if s, _, _ := f.article(t, id); s != news.StatusSubmitted {
		t.Errorf("a stale approval moved the article to %s", s)
	}
}

func TestWithdrawAndDeleteOnlyWhatTheirStatusAllows(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.user(t, "editor@example.org", "", "ecpat-luxembourg", accounts.OrgEditor)
	f.user(t, "staff@example.org", accounts.RoleStaff, "", "")
	org := f.orgID(t, "ecpat-luxembourg")
	draft := f.draftArticle(t, org, "Un brouillon à jeter")
	published := int64(f.count(t, `SELECT id FROM articles WHERE slug = 'we-love-ecpat'`))
	ed := f.browser(t)
	ed.login("editor@example.org")
	list := "/manage/ecpat-luxembourg/news"
	ed.get(list)

	// A published article is not deleted: it is withdrawn.
	wantStatus(t, ed.post(fmt.Sprintf("%s/%d/delete", list, published), nil), http.StatusConflict,
		"Cet article n&#39;est plus dans un état qui permet cette action.")
	if s, _, _ := f.article(t, published); s != news.StatusPublished {
		t.Errorf("refused delete: %s", s)
	}
	rec := ed.post(fmt.Sprintf("%s/%d/delete", list, draft), nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != list+"?done=deleted" {
		t.Fatalf("delete draft: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if n := f.count(t, `SELECT count(*) FROM articles WHERE id = $1`, draft); n != 0 {
		t.Error("the draft is still there")
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'article.delete' AND entity_id = $1`, draft); n != 1 {
		t.Errorf("%d delete audit entries", n)
	}

	// A draft is not withdrawn; a published article is, by its editors.
	other := f.draftArticle(t, org, "Encore un brouillon")
	wantStatus(t, ed.post(fmt.Sprintf("%s/%d/withdraw", list, other), nil), http.StatusConflict, "n&#39;est plus dans un état")
	rec = ed.post(fmt.Sprintf("%s/%d/withdraw", list, published), nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != list+"?done=withdrawn" {
		t.Fatalf("withdraw: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if s, _, _ := f.article(t, published); s != news.StatusWithdrawn {
		t.Errorf("withdrawn article is %s", s)
	}
	// A withdrawn article is read, not edited.
	page := ed.get(fmt.Sprintf("%s/%d", list, published))
	wantStatus(t, page, http.StatusOK, "Cet article a été retiré", `<article class="article-preview" lang="fr">`)
	if strings.Contains(page.Body.String(), `name="body_fr"`) {
		t.Error("a withdrawn article is offered for editing")
	}
	_, v, _ := f.article(t, published)
	wantStatus(t, ed.post(fmt.Sprintf("%s/%d", list, published), url.Values{"version": {strconv.Itoa(v)}, "title_fr": {"Retour"}, "body_fr": {"x"}, "do": {"save"}}),
		http.StatusConflict, "n&#39;est plus dans un état")

	// Staff withdraw a published article from the review pages.
	staffed := f.publishedArticle(t, org, "Un article à retirer")
	st := f.signedIn(t, "staff@example.org", true)
	wantStatus(t, st.get("/staff/news"), http.StatusOK, "Un article à retirer")
	wantStatus(t, st.get(fmt.Sprintf("/staff/news/%d", staffed)), http.StatusOK, "Retirer l&#39;article")
	rec = st.post(fmt.Sprintf("/staff/news/%d/withdraw", staffed), nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/staff/news?done=withdrawn" {
		t.Fatalf("staff withdraw: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'article.withdraw' AND entity_id = $1 AND actor = 'staff@example.org'`, staffed); n != 1 {
		t.Errorf("%d staff withdraw audit entries", n)
	}
}

func TestStaleArticleSaveIsAConflictThatKeepsTheText(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.owner(t)
	f.user(t, "editor@example.org", "", "ecpat-luxembourg", accounts.OrgEditor)
	id := f.draftArticle(t, f.orgID(t, "ecpat-luxembourg"), "Un brouillon partagé")
	page := fmt.Sprintf("/manage/ecpat-luxembourg/news/%d", id)
	owner, editor := f.browser(t), f.browser(t)
	owner.login("owner@example.org")
	editor.login("editor@example.org")
	ov, ev := versionOn(t, owner.get(page)), versionOn(t, editor.get(page))

	savedID(t, owner.post(page, url.Values{"version": {ov}, "title_fr": {"La version de la responsable"}, "body_fr": {"Texte A."}, "do": {"save"}}))
	rec := editor.post(page, url.Values{"version": {ev}, "title_fr": {"La version de l'éditeur"}, "body_fr": {"Texte B, gardé."}, "do": {"save"}})
	wantStatus(t, rec, http.StatusConflict, "Quelqu&#39;un d&#39;autre a enregistré cette fiche", `value="La version de l&#39;éditeur"`,
		"Texte B, gardé.", "Ouvrir la version actuelle")
	if _, _, title := f.article(t, id); title != "La version de la responsable" {
		t.Errorf("title %q: the stale save overwrote the other", title)
	}
}

func TestBadArticleInputIsRefusedAtItsField(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.user(t, "editor@example.org", "", "ecpat-luxembourg", accounts.OrgEditor)
	b, _, _ := f.secondOrg(t)
	ed := f.browser(t)
	ed.login("editor@example.org")
	ed.get("/manage/ecpat-luxembourg/news/new")
	good := url.Values{"title_fr": {"Un titre"}, "body_fr": {"Un texte."}, "do": {"save"}}
	tomorrow := time.Now().UTC().AddDate(0, 0, 2).Format(time.DateOnly)
	cases := []struct {
		name  string
		form  url.Values
		field string
		want  string
	}{
		{"script", with(good, "body_fr", "Bonjour <script>alert(1)</script>"), "body_fr", "Le HTML n&#39;est pas accepté"},
		{"event handler", with(good, "body_fr", `<img src="/uploads/x.png" onerror="alert(1)">`), "body_fr", "Le HTML n&#39;est pas accepté"},
		{"iframe", with(good, "body_fr", `<iframe src="https://evil.example"></iframe>`), "body_fr", "Le HTML n&#39;est pas accepté"},
		{"javascript link", with(good, "body_fr", "[cliquez](javascript:alert(1))"), "body_fr", "Les liens doivent commencer par https://"},
		{"foreign image", with(good, "body_fr", "![un chat](https://evil.example/chat.jpg)"), "body_fr", "Les images doivent d&#39;abord être téléversées"},
		{"image without description", with(good, "body_fr", "![](/uploads/articles/ecpat-0123456789abcdef.jpg)"), "body_fr", "Décrivez chaque image"},
		{"body over 100 KB", with(good, "body_fr", strings.Repeat("a", 100*1024+1)), "body_fr", "Le texte dépasse 100 Ko."},
		{"future date", with(good, "published_at", tomorrow), "published_at", "ne peut pas être dans le futur"},
		{"malformed date", with(good, "published_at", "13/10/2016"), "published_at", "date"},
		{"no language", url.Values{"do": {"save"}, "lead_fr": {""}}, "translations", "Écrivez l&#39;article en français, en anglais ou dans les deux"},
		{"title missing", with(good, "title_fr", ""), "title_fr", "Obligatoire."},
		{"foreign cover", with(good, "cover_path", "/uploads/logos/other-0123456789abcdef.png", "cover_alt_fr", "Un logo"), "cover_path", "Choisissez une image téléversée"},
		{"invented cover", with(good, "cover_path", "/uploads/articles/ecpat-0123456789abcdef.jpg", "cover_alt_fr", "Rien"), "cover_path", "Choisissez une image téléversée"},
		{"another organisation's project", with(good, "projects", strconv.FormatInt(b.Projects[0].ID, 10)), "projects", "Choisissez parmi les projets"},
	}
	articles, audits := f.count(t, `SELECT count(*) FROM articles`), f.count(t, `SELECT count(*) FROM audit_log`)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := ed.post("/manage/ecpat-luxembourg/news/new", tc.form)
			wantStatus(t, rec, http.StatusUnprocessableEntity, `id="err-`+tc.field+`"`, tc.want, "Certains champs sont à corriger")
			if tc.form.Get("body_fr") != "" && len(tc.form.Get("body_fr")) < 1000 && !strings.Contains(rec.Body.String(), htmlEscaped(tc.form.Get("body_fr"))) {
				t.Errorf("the refused text is not kept in the form")
			}
		})
	}
	// A preview of such a text shows what a save would refuse, at its
	// field, beside the text as it would be served: the tags gone, their
	// words left as words.
	rec := ed.post("/manage/ecpat-luxembourg/news/new", with(good, "do", "preview", "body_fr", "Avant <script>alert(1)</script> après"))
	wantStatus(t, rec, http.StatusOK, `id="err-body_fr"`, "Le HTML n&#39;est pas accepté", `<div class="article-body"><p>Avant alert(1) après</p></div>`)
	if preview := rec.Body.String()[strings.Index(rec.Body.String(), `<section class="preview"`):]; strings.Contains(preview, "<script") {
		t.Error("the preview serves the script")
	}
	// A cover without its description: refused before the picture is kept.
	rec = ed.postMultipart("/manage/ecpat-luxembourg/news/new", good, map[string][]byte{"cover_file": testPicture(t, 800, 400)})
	wantStatus(t, rec, http.StatusUnprocessableEntity, `id="err-cover_alt_fr"`, "Décrivez l&#39;image de couverture")
	if n := f.count(t, `SELECT count(*) FROM articles`); n != articles {
		t.Errorf("%d articles stored by refused forms", n-articles)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log`); n != audits {
		t.Errorf("%d audit entries written by refused forms", n-audits)
	}
	if strings.Contains(rec.Body.String(), `class="cover-thumb"`) {
		t.Error("the refused cover was kept")
	}
	// In English, the messages are English.
	en := f.browser(t)
	en.header.Set("Accept-Language", "en")
	en.login("editor@example.org")
	en.get("/manage/ecpat-luxembourg/news/new")
	wantStatus(t, en.post("/manage/ecpat-luxembourg/news/new", with(good, "body_fr", "<script>x</script>")), http.StatusUnprocessableEntity,
		"HTML is not accepted")
}

// htmlEscaped is s as html/template writes it in a textarea.
func htmlEscaped(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

var snippet = regexp.MustCompile(`id="snippet" value="!\[Des enfants en classe\]\((/uploads/articles/ecpat-luxembourg-[0-9a-f]{16}\.jpg)\)"`)

func TestArticlePicturesAreCheckedReencodedAndGiveTheirMarkdown(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.user(t, "editor@example.org", "", "ecpat-luxembourg", accounts.OrgEditor)
	ed := f.browser(t)
	ed.login("editor@example.org")
	ed.get("/manage/ecpat-luxembourg/news/new")
	typed := url.Values{"title_fr": {"Un article illustré"}, "body_fr": {"Le texte tapé jusqu'ici."}, "do": {"upload"}}
	newForm := "/manage/ecpat-luxembourg/news/new"

	for name, tc := range map[string]struct {
		form  url.Values
		files map[string][]byte
		field string
		want  string
	}{
		"not a picture":    {with(typed, "image_alt", "x"), map[string][]byte{"image_file": []byte("<script>alert(1)</script>")}, "image_file", "pas une image JPEG, PNG ou GIF lisible"},
		"too large a file": {with(typed, "image_alt", "x"), map[string][]byte{"image_file": bytes.Repeat([]byte{0xFF, 0xD8, 0xFF, 0xE0}, 1<<20+10)}, "image_file", "dépasse 4 Mo"},
		"too small":        {with(typed, "image_alt", "x"), map[string][]byte{"image_file": testPicture(t, 120, 80)}, "image_file", "entre 200 et 8000 pixels"},
		"no file":          {with(typed, "image_alt", "x"), nil, "image_file", "Choisissez une image."},
		"no description":   {typed, map[string][]byte{"image_file": testPicture(t, 800, 400)}, "image_alt", "Décrivez l&#39;image pour les personnes"},
	} {
		t.Run(name, func(t *testing.T) {
			rec := ed.postMultipart(newForm, tc.form, tc.files)
			wantStatus(t, rec, http.StatusUnprocessableEntity, `id="err-`+tc.field+`"`, tc.want, "Le texte tapé jusqu&#39;ici.")
		})
	}
	if n := f.count(t, `SELECT count(*) FROM articles WHERE organisation_id = $1`, f.orgID(t, "ecpat-luxembourg")); n != 1 {
		t.Errorf("%d articles: an upload stored one", n)
	}

	// A good picture: stored, re-encoded and scaled; the page gives its
	// Markdown and keeps what was typed.
	rec := ed.postMultipart(newForm, with(typed, "image_alt", "Des enfants en classe"), map[string][]byte{"image_file": testPicture(t, 2000, 1000)})
	wantStatus(t, rec, http.StatusOK, "Copiez ce code dans le texte", `value="Un article illustré"`, "Le texte tapé jusqu&#39;ici.")
	m := snippet.FindStringSubmatch(rec.Body.String())
	if m == nil {
		t.Fatalf("no Markdown snippet for the picture:\n%s", rec.Body.String())
	}
	for path, width := range map[string]int{m[1]: 1600, strings.TrimSuffix(m[1], ".jpg") + "-w640.jpg": 640} {
		img := ed.get(path)
		if img.Code != http.StatusOK || img.Header().Get("Content-Type") != "image/jpeg" ||
			img.Header().Get("Content-Security-Policy") != "default-src 'none'; sandbox" {
			t.Fatalf("%s served as %d %q", path, img.Code, img.Header().Get("Content-Type"))
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(img.Body.Bytes()))
		if err != nil || format != "jpeg" || cfg.Width != width {
			t.Errorf("%s: %v %s %d px wide, want %d", path, err, format, cfg.Width, width)
		}
	}
	for _, bad := range []string{"/uploads/articles/..%2f..%2fetc%2fpasswd", "/uploads/articles/x.svg", "/uploads/articles/ecpat-luxembourg-0000000000000000.jpg"} {
		if rec := ed.get(bad); rec.Code != http.StatusNotFound {
			t.Errorf("%s: %d", bad, rec.Code)
		}
	}

	// The snippet pasted into the body and a cover chosen with its
	// description: saved together.
	body := "Le texte.\n\n![Des enfants en classe](" + m[1] + ")"
	rec = ed.postMultipart(newForm, url.Values{"title_fr": {"Un article illustré"}, "body_fr": {body}, "cover_alt_fr": {"Une salle de classe"}, "do": {"save"}},
		map[string][]byte{"cover_file": testPicture(t, 1200, 600)})
	id, _ := savedID(t, rec)
	a, err := f.news.ByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(a.Cover.Path, "/uploads/articles/ecpat-luxembourg-") || a.Cover.Alt.FR != "Une salle de classe" {
		t.Errorf("cover %+v", a.Cover)
	}
	if !strings.Contains(a.In("fr").BodyHTML, `<img src="`+m[1]+`" alt="Des enfants en classe">`) {
		t.Errorf("body HTML %s", a.In("fr").BodyHTML)
	}
	page := ed.get(fmt.Sprintf("/manage/ecpat-luxembourg/news/%d", id))
	wantStatus(t, page, http.StatusOK, `class="cover-thumb" src="`+a.Cover.Path+`"`, `name="cover_path" value="`+a.Cover.Path+`"`)
	if rec := ed.get(a.Cover.Path); rec.Code != http.StatusOK {
		t.Errorf("cover served: %d", rec.Code)
	}
	// Removing the cover.
	rec = ed.post(fmt.Sprintf("/manage/ecpat-luxembourg/news/%d", id), url.Values{"version": {versionOn(t, page)}, "title_fr": {"Un article illustré"},
		"body_fr": {body}, "cover_path": {a.Cover.Path}, "cover_remove": {"1"}, "do": {"save"}})
	savedID(t, rec)
	if a, _ := f.news.ByID(context.Background(), id); a.Cover.Path != "" {
		t.Errorf("cover still %q", a.Cover.Path)
	}
	// The logo's folder keeps only logos: an article's picture is not one.
	if rec := ed.get(strings.Replace(m[1], "/articles/", "/logos/", 1)); rec.Code != http.StatusNotFound {
		t.Errorf("an article's picture under /uploads/logos/: %d", rec.Code)
	}
}

func TestArticleRoutesRefuseOutsiders(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	org := f.orgID(t, "ecpat-luxembourg")
	b, _, _ := f.secondOrg(t)
	f.user(t, "editor-b@example.org", "", b.Slug, accounts.OrgEditor)
	unverified := f.user(t, "new@example.org", "", "ecpat-luxembourg", accounts.OrgEditor)
	f.exec(t, `UPDATE users SET email_verified_at = NULL WHERE id = $1`, unverified)
	f.user(t, "editor@example.org", "", "ecpat-luxembourg", accounts.OrgEditor)
	f.user(t, "staff@example.org", accounts.RoleStaff, "", "")
	id := f.draftArticle(t, org, "Un brouillon d'ECPAT")
	if _, err := f.news.Submit(context.Background(), audit.System("test"), id); err != nil {
		t.Fatal(err)
	}
	before := f.fingerprint(t, org)
	form := url.Values{"version": {"2"}, "title_fr": {"Détourné"}, "body_fr": {"Détourné."}, "do": {"save"}, "reason": {"Détourné"}}
	manageRoutes := []string{"GET /news", "GET /news/new", "POST /news/new", "GET /news/%d", "POST /news/%d", "POST /news/%d/submit",
		"POST /news/%d/withdraw", "POST /news/%d/delete"}
	send := func(br *browser, route, prefix string) *httptest.ResponseRecorder {
		method, path, _ := strings.Cut(route, " ")
		if strings.Contains(path, "%d") {
			path = fmt.Sprintf(path, id)
		}
		if method == http.MethodGet {
			return br.get(prefix + path)
		}
		return br.post(prefix+path, clone(form))
	}

	// Another organisation's editor: 404 through ECPAT's address and
	// through their own.
	other := f.browser(t)
	other.login("editor-b@example.org")
	other.get("/manage")
	for _, route := range manageRoutes {
		if rec := send(other, route, "/manage/ecpat-luxembourg"); rec.Code != http.StatusNotFound {
			t.Errorf("other organisation's editor %s via ECPAT: %d", route, rec.Code)
		}
		if strings.Contains(route, "%d") {
			if rec := send(other, route, "/manage/"+b.Slug); rec.Code != http.StatusNotFound {
				t.Errorf("other organisation's editor %s via their own: %d", route, rec.Code)
			}
		}
	}
	// A member whose address is not proven holds no right.
	nv := f.browser(t)
	nv.login("new@example.org")
	nv.get("/account")
	for _, route := range manageRoutes {
		if rec := send(nv, route, "/manage/ecpat-luxembourg"); rec.Code != http.StatusNotFound {
			t.Errorf("unverified member %s: %d", route, rec.Code)
		}
	}
	if _, err := f.news.Create(context.Background(), audit.Actor{UserID: unverified, Label: "new@example.org"}, org,
		news.Input{FR: news.Text{Title: "x", Body: "x"}}); fault.KindOf(err) != fault.Forbidden {
		t.Errorf("the store let an unverified member write: %v", err)
	}
	// Anonymous visitors are sent to sign in.
	anon := f.browser(t)
	anon.get("/login")
	for _, route := range manageRoutes {
		rec := send(anon, route, "/manage/ecpat-luxembourg")
		if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
			t.Errorf("anonymous %s: %d %q", route, rec.Code, rec.Header().Get("Location"))
		}
	}
	if after := f.fingerprint(t, org); after != before {
		t.Errorf("refused requests changed ECPAT's articles:\n%s\n%s", before, after)
	}

	// The review is staff's: editors get 403, staff without two-factor
	// are sent to enrol.
	staffRoutes := []string{"GET /staff/news", "GET /staff/news/%d", "POST /staff/news/%d/approve", "POST /staff/news/%d/send-back",
		"POST /staff/news/%d/withdraw"}
	editor := f.signedIn(t, "editor@example.org", false)
	staff2FA := f.signedIn(t, "staff@example.org", false)
	for _, route := range staffRoutes {
		if rec := send(editor, route, ""); rec.Code != http.StatusForbidden {
			t.Errorf("editor %s: %d, want 403", route, rec.Code)
		}
		if rec := send(anon, route, ""); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
			t.Errorf("anonymous %s: %d", route, rec.Code)
		}
		if rec := send(staff2FA, route, ""); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/account/2fa" {
			t.Errorf("staff without two-factor %s: %d %q", route, rec.Code, rec.Header().Get("Location"))
		}
	}
	if s, _, _ := f.article(t, id); s != news.StatusSubmitted {
		t.Errorf("refused decisions moved the article to %s", s)
	}
	// Editors do not see the staff's link.
	if strings.Contains(editor.get("/manage").Body.String(), `href="/staff/news"`) {
		t.Error("an NGO editor sees the review queue's link")
	}
}
