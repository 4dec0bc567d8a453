package web_test

import (
	"net/http"
	"net/url"
	"testing"
)

// TestInvitationRefusalsShowNextToTheForm: the owner of an organisation
// nobody published yet cannot invite, nor can a published one past 20
// invitations a day; each refusal is the invitation form again with the
// reason in the visitor's language, and leaves no account, membership,
// invitation or mail behind.
func TestInvitationRefusalsShowNextToTheForm(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.owner(t)
	org := f.orgID(t, "ecpat-luxembourg")
	nothingLeft := func(what string) {
		t.Helper()
		if n := f.count(t, `SELECT count(*) FROM users WHERE email = 'nina@example.org'`) +
			f.count(t, `SELECT count(*) FROM mail_messages WHERE to_email = 'nina@example.org'`); n != 0 {
			t.Errorf("%s: the refused invitation left %d accounts and mails", what, n)
		}
	}
	// A new form each time: post adds the browser's form token to it.
	invite := func() url.Values {
		return url.Values{"email": {"nina@example.org"}, "name": {"Nina"}, "role": {"editor"}}
	}

	for _, status := range []string{"pending", "draft"} {
		f.exec(t, `UPDATE organisations SET status = $2 WHERE id = $1`, org, status)
		fr := f.browser(t)
		fr.login("owner@example.org")
		wantStatus(t, fr.get("/manage/ecpat-luxembourg/access"), http.StatusOK, "Inviter une personne")
		wantStatus(t, fr.post("/manage/ecpat-luxembourg/access", invite()), http.StatusForbidden,
			`<p class="alert" role="alert" id="invite-refusal">Seule une organisation publiée peut inviter des personnes.`,
			`aria-describedby="invite-refusal"`, `value="nina@example.org"`, `value="Nina"`)
		en := f.browser(t)
		en.header.Set("Accept-Language", "en")
		en.login("owner@example.org")
		en.get("/manage/ecpat-luxembourg/access")
		wantStatus(t, en.post("/manage/ecpat-luxembourg/access", invite()), http.StatusForbidden,
			"Only a published organisation can invite people.", `value="nina@example.org"`)
		nothingLeft(status)
	}
	if n := f.count(t, `SELECT count(*) FROM invitations`); n != 0 {
		t.Errorf("%d invitations recorded for an unpublished organisation", n)
	}

	// Published again, with the day's 20 invitations already sent.
	f.exec(t, `UPDATE organisations SET status = 'published' WHERE id = $1`, org)
	f.exec(t, `INSERT INTO invitations (organisation_id) SELECT $1 FROM generate_series(1, 20)`, org)
	b := f.browser(t)
	b.login("owner@example.org")
	b.get("/manage/ecpat-luxembourg/access")
	wantStatus(t, b.post("/manage/ecpat-luxembourg/access", invite()), http.StatusTooManyRequests,
		"Cette organisation a envoyé 20 invitations au cours des dernières 24 heures, le maximum permis.", `value="Nina"`)
	nothingLeft("limit")
	if n := f.count(t, `SELECT count(*) FROM invitations WHERE organisation_id = $1`, org); n != 20 {
		t.Errorf("%d invitations recorded, want the 20 of the day", n)
	}
}
