package accounts

import (
	"testing"

	"github.com/gorilla/securecookie"
)

// FuzzSessionCookie decodes any cookie value a client may send. Only a
// value this store encoded yields a session id, and only that value's id:
// a cookie cannot be forged, altered into another id or made to panic the
// decoder; a cookie made under another key or name is no session.
func FuzzSessionCookie(f *testing.F) {
	pair := func(seed byte) [][]byte {
		a, e := make([]byte, 32), make([]byte, 32)
		for i := range a {
			a[i], e[i] = seed+byte(i), seed^byte(i)
		}
		return [][]byte{a, e}
	}
	mine := &SessionStore{codecs: securecookie.CodecsFromPairs(append(pair(1), pair(2)...)...)}
	theirs := securecookie.CodecsFromPairs(pair(3)...)
	const name, id = "pd_session", "wlXm0G9Vb0dZ1xqgB7ZyZP2b3c3oBzF6uQ2b4r5s6t8"
	genuine, err := securecookie.EncodeMulti(name, id, mine.codecs...)
	if err != nil {
		f.Fatal(err)
	}
	// A cookie under the older key still decodes (rotation).
	older, _ := securecookie.EncodeMulti(name, id, securecookie.CodecsFromPairs(pair(2)...)...)
	forged, _ := securecookie.EncodeMulti(name, id, theirs...)
	other, _ := securecookie.EncodeMulti("other", id, mine.codecs...)
	if got, ok := mine.decodeID(name, genuine); !ok || got != id {
		f.Fatalf("genuine cookie: %q, %v", got, ok)
	}
	if got, ok := mine.decodeID(name, older); !ok || got != id {
		f.Fatalf("cookie under the older key: %q, %v", got, ok)
	}
	for _, v := range []string{forged, other, "", "x", genuine[:len(genuine)-1], genuine + "A"} {
		f.Add(v)
		if got, ok := mine.decodeID(name, v); ok {
			f.Fatalf("cookie %q decoded to %q", v, got)
		}
	}
	f.Add(genuine)
	f.Add(older)
	f.Fuzz(func(t *testing.T, value string) {
		got, ok := mine.decodeID(name, value)
		if !ok {
			if got != "" {
				t.Fatalf("refused cookie still gave id %q", got)
			}
			return
		}
		if got != id {
			t.Fatalf("cookie %q decoded to id %q, which this store never issued", value, got)
		}
	})
}
