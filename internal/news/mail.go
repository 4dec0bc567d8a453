package news

// PurposeSentBack is the purpose of the mail telling an author why staff
// sent their article back (templates/mails/article_sent_back).
const PurposeSentBack = "article_sent_back"

// Person is someone a mail goes to.
type Person struct {
	Name  string
	Email string
}

// Mail is a review decision to tell one person: the facts, which the mail
// package words in both languages.
type Mail struct {
	Purpose      string
	To           Person
	Organisation string
	// Title is the article's title in its first language.
	Title string
	// Reason is staff's explanation.
	Reason string
	// Link is where the author finds the article to rework it.
	Link string
}
