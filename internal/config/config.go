// Package config reads Partnerdir's configuration from environment
// variables, applies defaults and validates every value, so a bad setting
// stops the program at start-up with one line naming the variable.
package config

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	// Zone names in DAILY_JOBS_TZ must not depend on the host having
	// /usr/share/zoneinfo (minimal containers do not).
	_ "time/tzdata"
)

// Env values of APP_ENV.
const (
	Development = "development"
	Production  = "production"
)

// Config is the whole configuration of one Partnerdir process.
type Config struct {
	DatabaseURL    string
	MeiliURL       string
	MeiliMasterKey string
	// MeiliIndex is the name of the organisations index (an alias-like uid
	// that reindex swaps into place).
	MeiliIndex      string
	SMTPURL         string
	MailFrom        string
	TriageEmail     string
	SessionKeys     []SessionKeyPair
	TOTPKeys        [][32]byte // seal 2FA secrets, MAC recovery codes; newest first
	BaseURL         *url.URL
	HTTPAddr        string
	Env             string
	UploadDir       string
	TrustedProxies  []string
	ResponseTarget  time.Duration
	RetentionClosed time.Duration
	RetentionSpam   time.Duration
	// PersonalDataRetention is how long login counters, audit entries'
	// client pseudonyms and user agents, and sent account mails are kept
	// (PERSONAL_DATA_RETENTION).
	PersonalDataRetention time.Duration
	// PageCacheBytes bounds the rendered public pages kept in memory for
	// anonymous visitors (PAGE_CACHE_BYTES: 32MiB, plain bytes); 0 turns
	// the cache off.
	PageCacheBytes int64
	// MemoryLimit is the soft memory limit serve gives the Go runtime
	// (MEMORY_LIMIT: 120MiB; 0: none); GOMEMLIMIT, when set, wins.
	MemoryLimit int64
	// SearchCacheBytes bounds the cache of anonymous visitors' search
	// answers (SEARCH_CACHE_BYTES: 8MiB, 16MB, plain bytes); 0 turns it off.
	SearchCacheBytes int64
	// DailyJobsAt is when the daily jobs (offer retention, stale-profile
	// reminders) run: DAILY_JOBS_AT in the zone DAILY_JOBS_TZ.
	DailyJobsAt TimeOfDay
	// NewsletterDigest is when the newsletter's digest goes out
	// (NEWSLETTER_DIGEST), at DailyJobsAt on its days.
	NewsletterDigest DigestSchedule
	// MetricsAddr is where `serve` answers GET /metrics (METRICS_ADDR), a
	// listener of its own so the metrics never reach the public router;
	// "" when METRICS_ADDR=off.
	MetricsAddr string
	// VerificationValidity is how many months an organisation's
	// verification counts (VERIFICATION_VALIDITY: 24mo, 2y or 24).
	VerificationValidity int
}

// DigestSchedule says on which days the digest goes out: every day, one
// day of the week or one day of the month. The zero value (Every "") is
// off: only `partnerdir news digest` sends it.
type DigestSchedule struct {
	// Every is "day", "week", "month" or "" (off).
	Every string
	// Weekday is the day of a weekly digest.
	Weekday time.Weekday
	// Day is the day of the month (1–28) of a monthly digest.
	Day int
}

// TimeOfDay is a wall-clock time in a time zone.
type TimeOfDay struct {
	Hour, Minute int
	Location     *time.Location
}

// SessionKeyPair is one authentication + encryption key pair for session
// cookies. The first pair signs new cookies; later pairs still decode.
type SessionKeyPair struct {
	Auth    []byte
	Encrypt []byte
}

// Production reports whether APP_ENV is production.
func (c Config) Production() bool { return c.Env == Production }

// SecureCookies reports whether cookies must carry the Secure flag.
func (c Config) SecureCookies() bool { return c.BaseURL.Scheme == "https" }

// Load reads the configuration through getenv (os.Getenv in main, a map in
// tests). The error lists every invalid variable, one per line.
func Load(getenv func(string) string) (Config, error) {
	l := loader{getenv: getenv}
	c := Config{
		DatabaseURL:      l.postgresURL("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/partnerdir?sslmode=disable"),
		MeiliURL:         l.httpURL("MEILI_URL", "http://127.0.0.1:7700").String(),
		MeiliMasterKey:   l.str("MEILI_MASTER_KEY", ""),
		MeiliIndex:       l.identifier("MEILI_INDEX", "organisations"),
		SMTPURL:          l.smtpURL("SMTP_URL", "smtp://127.0.0.1:1025"),
		MailFrom:         l.address("MAIL_FROM", "Partnerdir <no-reply@partnerdir.localhost>"),
		TriageEmail:      l.address("TRIAGE_EMAIL", "triage@partnerdir.localhost"),
		BaseURL:          l.httpURL("BASE_URL", "http://localhost:8080"),
		HTTPAddr:         l.addr("HTTP_ADDR", ":8080"),
		MetricsAddr:      l.addrOrOff("METRICS_ADDR", "127.0.0.1:9464"),
		Env:              l.oneOf("APP_ENV", Development, Development, Production),
		UploadDir:        l.str("UPLOAD_DIR", ".data/uploads"),
		TrustedProxies:   l.list("TRUSTED_PROXIES"),
		ResponseTarget:   l.duration("OFFER_RESPONSE_TARGET", 5*24*time.Hour),
		RetentionClosed:  l.duration("OFFER_RETENTION", 365*24*time.Hour),
		RetentionSpam:    l.duration("OFFER_SPAM_RETENTION", 30*24*time.Hour),
		PageCacheBytes:   l.bytes("PAGE_CACHE_BYTES", 32<<20),
		MemoryLimit:      l.bytes("MEMORY_LIMIT", 120<<20),
		SearchCacheBytes: l.bytes("SEARCH_CACHE_BYTES", 8<<20),
		DailyJobsAt:      l.timeOfDay("DAILY_JOBS_AT", "03:00", "DAILY_JOBS_TZ"),
	}
	// The page cache was counted in pages until it was bounded in bytes:
	// a setting that would now do nothing is refused.
	if l.str("PAGE_CACHE_SIZE", "") != "" {
		l.fail("PAGE_CACHE_SIZE", "is no longer read: set PAGE_CACHE_BYTES (a size such as 32MiB) instead")
	}
	c.NewsletterDigest = l.digestSchedule("NEWSLETTER_DIGEST", "monthly")
	c.VerificationValidity = l.months("VERIFICATION_VALIDITY", 24)
	c.SessionKeys = l.sessionKeys("SESSION_KEYS", c.Env == Production)
	c.TOTPKeys = l.keys32("TOTP_KEYS", c.Env == Production)
	// Below a day the daily job would erase what the login limits still count.
	c.PersonalDataRetention = l.durationAtLeast("PERSONAL_DATA_RETENTION", 90*24*time.Hour, 24*time.Hour)
	if c.Env == Production && c.MeiliMasterKey == "" {
		l.fail("MEILI_MASTER_KEY", "is required when APP_ENV=production")
	}
	for _, p := range c.TrustedProxies {
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			l.fail("TRUSTED_PROXIES", fmt.Sprintf("%q is neither an IP address nor a CIDR range", p))
		}
	}
	if len(l.errs) > 0 {
		return Config{}, errors.Join(l.errs...)
	}
	return c, nil
}

type loader struct {
	getenv func(string) string
	errs   []error
}

func (l *loader) fail(name, msg string) {
	l.errs = append(l.errs, fmt.Errorf("config: %s %s", name, msg))
}

func (l *loader) str(name, def string) string {
	if v := strings.TrimSpace(l.getenv(name)); v != "" {
		return v
	}
	return def
}

func (l *loader) list(name string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(l.getenv(name), func(r rune) bool { return r == ',' || r == ' ' }) {
		out = append(out, f)
	}
	return out
}

func (l *loader) oneOf(name, def string, allowed ...string) string {
	v := l.str(name, def)
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	l.fail(name, fmt.Sprintf("must be one of %s, got %q", strings.Join(allowed, ", "), v))
	return def
}

func (l *loader) identifier(name, def string) string {
	v := l.str(name, def)
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			l.fail(name, fmt.Sprintf("must contain only letters, digits, '-' and '_', got %q", v))
			return def
		}
	}
	return v
}

func (l *loader) postgresURL(name, def string) string {
	v := l.str(name, def)
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" && u.Query().Get("host") == "" {
		l.fail(name, fmt.Sprintf("must be a postgres:// URL such as postgres://user:password@host:5432/db, got %q", redact(v)))
	}
	return v
}

func (l *loader) httpURL(name, def string) *url.URL {
	v := l.str(name, def)
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		l.fail(name, fmt.Sprintf("must be an http:// or https:// URL, got %q", redact(v)))
		u, _ = url.Parse(def)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u
}

func (l *loader) smtpURL(name, def string) string {
	v := l.str(name, def)
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		l.fail(name, fmt.Sprintf("must be smtp://[user:password@]host:port or smtps://…, got %q", redact(v)))
	}
	return v
}

func (l *loader) address(name, def string) string {
	v := l.str(name, def)
	if _, err := mail.ParseAddress(v); err != nil {
		l.fail(name, fmt.Sprintf("must be an email address such as \"Name <user@example.org>\", got %q", v))
	}
	return v
}

func (l *loader) addr(name, def string) string {
	v := l.str(name, def)
	if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
		l.fail(name, fmt.Sprintf("must be host:port or :port, got %q", v))
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		l.fail(name, fmt.Sprintf("has an invalid port in %q", v))
	}
	return v
}

// addrOrOff is addr, or "" for "off".
func (l *loader) addrOrOff(name, def string) string {
	if v := l.str(name, def); strings.EqualFold(v, "off") {
		return ""
	}
	return l.addr(name, def)
}

func (l *loader) duration(name string, def time.Duration) time.Duration {
	v := l.str(name, "")
	if v == "" {
		return def
	}
	if days, ok := strings.CutSuffix(v, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n > 0 {
			return time.Duration(n) * 24 * time.Hour
		}
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		l.fail(name, fmt.Sprintf("must be a positive duration such as 72h or 30d, got %q", v))
		return def
	}
	return d
}

// months reads a whole number of months, 1 to 120: "24mo", "2y" or "24".
// Months, not days: a verification dated 3 March lapses on a 3 March.
func (l *loader) months(name string, def int) int {
	v := strings.TrimSpace(l.str(name, ""))
	if v == "" {
		return def
	}
	n, per := v, 1
	if y, ok := strings.CutSuffix(v, "y"); ok {
		n, per = y, 12
	} else if m, ok := strings.CutSuffix(v, "mo"); ok {
		n = m
	}
	k, err := strconv.Atoi(n)
	if err != nil || k <= 0 || k*per > 120 {
		l.fail(name, fmt.Sprintf("must be a number of months from 1 to 120 such as 24mo or 2y, got %q", v))
		return def
	}
	return k * per
}

// durationAtLeast is duration, refusing a value shorter than least.
func (l *loader) durationAtLeast(name string, def, least time.Duration) time.Duration {
	d := l.duration(name, def)
	if d < least {
		l.fail(name, fmt.Sprintf("must be at least %s (such as 90d), got %q", least, l.str(name, "")))
		return def
	}
	return d
}

// count reads a whole number, zero or more.
func (l *loader) count(name string, def int) int {
	v := l.str(name, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		l.fail(name, fmt.Sprintf("must be a whole number, 0 or more, got %q", v))
		return def
	}
	return n
}

// bytes reads a size: plain bytes, or a number with a unit — KiB, MiB,
// GiB (powers of 1024) or KB, MB, GB (of 1000), B; 0 or more.
func (l *loader) bytes(name string, def int64) int64 {
	v := l.str(name, "")
	if v == "" {
		return def
	}
	units := []struct {
		suffix string
		n      int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	num, mult := v, int64(1)
	for _, u := range units {
		if strings.HasSuffix(v, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(v, u.suffix)), u.n
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > (1<<50)/mult {
		l.fail(name, fmt.Sprintf("must be a size such as 8MiB, 16MB or a number of bytes, got %q", v))
		return def
	}
	return n * mult
}

// timeOfDay reads "HH:MM" (24-hour clock) from name and a time zone name
// such as UTC or Europe/Luxembourg from zone.
func (l *loader) timeOfDay(name, def, zone string) TimeOfDay {
	v := l.str(name, def)
	t, err := time.Parse("15:04", v)
	if err != nil {
		l.fail(name, fmt.Sprintf("must be a time of day HH:MM such as 03:00, got %q", v))
		t, _ = time.Parse("15:04", def)
	}
	z := l.str(zone, "UTC")
	loc, err := time.LoadLocation(z)
	if err != nil || z == "Local" {
		l.fail(zone, fmt.Sprintf("must be a time zone name such as UTC or Europe/Luxembourg, got %q", z))
		loc = time.UTC
	}
	return TimeOfDay{Hour: t.Hour(), Minute: t.Minute(), Location: loc}
}

// digestSchedule reads "monthly[:DAY]" (day 1–28, default 1),
// "weekly[:WEEKDAY]" (monday…sunday, default monday), "daily" or "off".
func (l *loader) digestSchedule(name, def string) DigestSchedule {
	v := strings.ToLower(l.str(name, def))
	every, arg, hasArg := strings.Cut(v, ":")
	bad := func() DigestSchedule {
		l.fail(name, fmt.Sprintf("must be monthly[:DAY] (day 1 to 28), weekly[:WEEKDAY] (monday to sunday), daily or off, got %q", v))
		return DigestSchedule{Every: "month", Day: 1}
	}
	switch every {
	case "off":
		if hasArg {
			return bad()
		}
		return DigestSchedule{}
	case "daily":
		if hasArg {
			return bad()
		}
		return DigestSchedule{Every: "day"}
	case "monthly":
		day := 1
		if hasArg {
			n, err := strconv.Atoi(arg)
			if err != nil || n < 1 || n > 28 {
				return bad()
			}
			day = n
		}
		return DigestSchedule{Every: "month", Day: day}
	case "weekly":
		if !hasArg {
			return DigestSchedule{Every: "week", Weekday: time.Monday}
		}
		for d := time.Sunday; d <= time.Saturday; d++ {
			if strings.ToLower(d.String()) == arg {
				return DigestSchedule{Every: "week", Weekday: d}
			}
		}
	}
	return bad()
}

// sessionKeys parses "authhex:enchex[,authhex:enchex…]". In development a
// missing value yields no keys; the web layer then makes ephemeral ones.
func (l *loader) sessionKeys(name string, required bool) []SessionKeyPair {
	v := l.str(name, "")
	if v == "" {
		if required {
			l.fail(name, "is required when APP_ENV=production (comma-separated authhex:enchex pairs of 32-byte keys)")
		}
		return nil
	}
	var pairs []SessionKeyPair
	for i, p := range strings.Split(v, ",") {
		a, e, ok := strings.Cut(strings.TrimSpace(p), ":")
		auth, err1 := hex.DecodeString(a)
		enc, err2 := hex.DecodeString(e)
		if !ok || err1 != nil || err2 != nil || len(auth) < 32 || (len(enc) != 16 && len(enc) != 24 && len(enc) != 32) {
			l.fail(name, fmt.Sprintf("pair %d must be authhex:enchex with a 32-byte (64 hex) authentication key and a 16/24/32-byte encryption key", i+1))
			return nil
		}
		pairs = append(pairs, SessionKeyPair{Auth: auth, Encrypt: enc})
	}
	return pairs
}

// keys32 parses "hex[,hex…]", each a 32-byte key (64 hex digits), newest
// first. In development a missing value yields no keys; the program then
// derives or makes its own.
func (l *loader) keys32(name string, required bool) [][32]byte {
	v := l.str(name, "")
	if v == "" {
		if required {
			l.fail(name, "is required when APP_ENV=production (comma-separated 32-byte keys as 64 hex digits, newest first)")
		}
		return nil
	}
	var keys [][32]byte
	for i, h := range strings.Split(v, ",") {
		b, err := hex.DecodeString(strings.TrimSpace(h))
		if err != nil || len(b) != 32 {
			l.fail(name, fmt.Sprintf("key %d must be 64 hex digits (a 32-byte key), such as the output of: openssl rand -hex 32", i+1))
			return nil
		}
		keys = append(keys, [32]byte(b))
	}
	return keys
}

// redact hides a password in a URL before it reaches a log or an error.
func redact(v string) string {
	u, err := url.Parse(v)
	if err != nil || u.User == nil {
		return v
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
