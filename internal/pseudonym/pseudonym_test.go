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
