package mail

import "regexp"

// AddressPattern matches what looks like an email address: a run of
// characters that cannot delimit an address on each side of an "@". It is
// written in the syntax both Go and PostgreSQL (regexp_replace) read, so
// SQL that scrubs stored text uses the same rule as the worker.
const AddressPattern = `[^][[:space:]<>()",;:'@]+@[^][[:space:]<>()",;:'@]+`

// RedactedAddress replaces each address RedactAddresses finds.
const RedactedAddress = "[address]"

var addressRE = regexp.MustCompile(AddressPattern)

// RedactAddresses replaces every email address in s by RedactedAddress.
// SMTP replies quote the recipient ("550 5.1.1 <x@example.org>: user
// unknown"); what the outbox keeps of them, and logs, must not.
func RedactAddresses(s string) string {
	return addressRE.ReplaceAllLiteralString(s, RedactedAddress)
}
