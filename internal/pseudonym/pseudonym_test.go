package pseudonym

import (
	"strings"
	"testing"
)

func TestIP(t *testing.T) {
	h, err := New([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := New([]byte("fedcba9876543210fedcba9876543210"))
	a, b := h.IP("203.0.113.7"), h.IP("203.0.113.8")
	switch {
	case len(a) != 32:
		t.Fatalf("IP = %q, want 32 hex digits", a)
	case a != h.IP("203.0.113.7"):
		t.Fatal("the same address gave two pseudonyms")
	case a == b:
		t.Fatal("two addresses gave one pseudonym")
	case a == other.IP("203.0.113.7"):
		t.Fatal("two keys gave one pseudonym")
	case strings.Contains(a, "203"):
		t.Fatalf("pseudonym %q shows the address", a)
	case h.IP("") != "":
		t.Fatal("no address must give no pseudonym")
	}
	if _, err := New([]byte("short")); err == nil {
		t.Fatal("a 5-byte key was accepted")
	}
}

func TestKey(t *testing.T) {
	h, err := New([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	a := h.Key("email", "someone@example.org")
	switch {
	case len(a) != 32:
		t.Fatalf("Key = %q, want 32 hex digits", a)
	case a != h.Key("email", "someone@example.org"):
		t.Fatal("the same value gave two pseudonyms")
	case a == h.Key("email", "someone@example.com"):
		t.Fatal("two values gave one pseudonym")
	case a == h.Key("login", "someone@example.org"):
		t.Fatal("two purposes gave one pseudonym")
	case a == h.IP("someone@example.org"):
		t.Fatal("a key and an address pseudonym agree")
	case strings.Contains(a, "someone"):
		t.Fatalf("pseudonym %q shows the value", a)
	case h.Key("email", "") != "":
		t.Fatal("no value must give no pseudonym")
	}
}
