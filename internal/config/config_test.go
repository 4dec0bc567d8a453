package config

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatalf("Load with no variables: %v", err)
	}
	if c.HTTPAddr != ":8080" || c.Env != Development || c.BaseURL.String() != "http://localhost:8080" {
		t.Errorf("unexpected defaults: addr=%q env=%q base=%q", c.HTTPAddr, c.Env, c.BaseURL)
	}
	if c.SecureCookies() {
		t.Error("http BASE_URL must not ask for Secure cookies")
	}
}

func TestLoadRejectsEachBadVariableByName(t *testing.T) {
	tests := []struct {
		name, value, wantVar string
	}{
		{"DATABASE_URL", "nonsense", "DATABASE_URL"},
		{"MEILI_URL", "ftp://x", "MEILI_URL"},
		{"SMTP_URL", "http://mail", "SMTP_URL"},
		{"MAIL_FROM", "not an address", "MAIL_FROM"},
		{"BASE_URL", "localhost", "BASE_URL"},
		{"HTTP_ADDR", "8080", "HTTP_ADDR"},
		{"APP_ENV", "staging", "APP_ENV"},
		{"SESSION_KEYS", "abc:def", "SESSION_KEYS"},
		{"TOTP_KEYS", "not hex", "TOTP_KEYS"},
		{"TOTP_KEYS", strings.Repeat("ab", 16), "TOTP_KEYS"},
		{"TOTP_KEYS", strings.Repeat("ab", 32) + ",zz", "TOTP_KEYS"},
		{"OFFER_RETENTION", "-1h", "OFFER_RETENTION"},
		{"PERSONAL_DATA_RETENTION", "0d", "PERSONAL_DATA_RETENTION"},
		{"PERSONAL_DATA_RETENTION", "ninety days", "PERSONAL_DATA_RETENTION"},
		{"PERSONAL_DATA_RETENTION", "2h", "PERSONAL_DATA_RETENTION"},
		{"TRUSTED_PROXIES", "not-an-ip", "TRUSTED_PROXIES"},
		{"PAGE_CACHE_SIZE", "2000", "PAGE_CACHE_BYTES"},
		{"PAGE_CACHE_BYTES", "-5", "PAGE_CACHE_BYTES"},
		{"PAGE_CACHE_BYTES", "lots", "PAGE_CACHE_BYTES"},
		{"PAGE_CACHE_BYTES", "32 mebibytes", "PAGE_CACHE_BYTES"},
		{"MEMORY_LIMIT", "-1", "MEMORY_LIMIT"},
		{"MEMORY_LIMIT", "120M", "MEMORY_LIMIT"},
		{"MEMORY_LIMIT", "0.5GiB", "MEMORY_LIMIT"},
		{"SEARCH_CACHE_BYTES", "-1", "SEARCH_CACHE_BYTES"},
		{"SEARCH_CACHE_BYTES", "8 megs", "SEARCH_CACHE_BYTES"},
		{"SEARCH_CACHE_BYTES", "1.5MiB", "SEARCH_CACHE_BYTES"},
		{"SEARCH_CACHE_BYTES", "99999999GiB", "SEARCH_CACHE_BYTES"},
		{"DAILY_JOBS_AT", "3", "DAILY_JOBS_AT"},
		{"DAILY_JOBS_AT", "24:00", "DAILY_JOBS_AT"},
		{"DAILY_JOBS_AT", "03:60", "DAILY_JOBS_AT"},
		{"DAILY_JOBS_AT", "3am", "DAILY_JOBS_AT"},
		{"DAILY_JOBS_AT", "03:00:00", "DAILY_JOBS_AT"},
		{"DAILY_JOBS_TZ", "Mars/Olympus_Mons", "DAILY_JOBS_TZ"},
		{"DAILY_JOBS_TZ", "Local", "DAILY_JOBS_TZ"},
		{"NEWSLETTER_DIGEST", "monthly:31", "NEWSLETTER_DIGEST"},
		{"NEWSLETTER_DIGEST", "monthly:0", "NEWSLETTER_DIGEST"},
		{"NEWSLETTER_DIGEST", "weekly:someday", "NEWSLETTER_DIGEST"},
		{"NEWSLETTER_DIGEST", "hourly", "NEWSLETTER_DIGEST"},
		{"NEWSLETTER_DIGEST", "daily:3", "NEWSLETTER_DIGEST"},
		{"NEWSLETTER_DIGEST", "0 3 1 * *", "NEWSLETTER_DIGEST"},
		{"METRICS_ADDR", "9464", "METRICS_ADDR"},
		{"METRICS_ADDR", "127.0.0.1:99999", "METRICS_ADDR"},
		{"METRICS_ADDR", "disabled", "METRICS_ADDR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(env(map[string]string{tt.name: tt.value}))
			if err == nil {
				t.Fatalf("%s=%q accepted", tt.name, tt.value)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], tt.wantVar) {
				t.Errorf("want one line naming %s, got %q", tt.wantVar, err)
			}
		})
	}
}

func TestLoadSearchCacheBytes(t *testing.T) {
	for v, want := range map[string]int64{"": 8 << 20, "0": 0, "4096": 4096, "16MiB": 16 << 20, "2 KiB": 2048,
		"16MB": 16e6, "1GiB": 1 << 30, "512B": 512} {
		c, err := Load(env(map[string]string{"SEARCH_CACHE_BYTES": v}))
		if err != nil {
			t.Fatalf("SEARCH_CACHE_BYTES=%q: %v", v, err)
		}
		if c.SearchCacheBytes != want {
			t.Errorf("SEARCH_CACHE_BYTES=%q: got %d, want %d", v, c.SearchCacheBytes, want)
		}
	}
}

func TestLoadPageCacheBytesAndMemoryLimit(t *testing.T) {
	tests := []struct {
		name, value string
		want        int64
		got         func(Config) int64
	}{
		{"PAGE_CACHE_BYTES", "", 32 << 20, func(c Config) int64 { return c.PageCacheBytes }},
		{"PAGE_CACHE_BYTES", "0", 0, func(c Config) int64 { return c.PageCacheBytes }},
		{"PAGE_CACHE_BYTES", "64MiB", 64 << 20, func(c Config) int64 { return c.PageCacheBytes }},
		{"PAGE_CACHE_BYTES", "1000000", 1e6, func(c Config) int64 { return c.PageCacheBytes }},
		{"MEMORY_LIMIT", "", 120 << 20, func(c Config) int64 { return c.MemoryLimit }},
		{"MEMORY_LIMIT", "0", 0, func(c Config) int64 { return c.MemoryLimit }},
		{"MEMORY_LIMIT", "1GiB", 1 << 30, func(c Config) int64 { return c.MemoryLimit }},
		{"MEMORY_LIMIT", "200MB", 200e6, func(c Config) int64 { return c.MemoryLimit }},
	}
	for _, tt := range tests {
		c, err := Load(env(map[string]string{tt.name: tt.value}))
		if err != nil {
			t.Fatalf("%s=%q: %v", tt.name, tt.value, err)
		}
		if got := tt.got(c); got != tt.want {
			t.Errorf("%s=%q: got %d, want %d", tt.name, tt.value, got, tt.want)
		}
	}
}

func TestLoadDailyJobsAt(t *testing.T) {
	tests := []struct {
		at, zone     string
		hour, minute int
		wantZone     string
	}{
		{"", "", 3, 0, "UTC"},
		{"23:45", "", 23, 45, "UTC"},
		{"4:05", "Europe/Luxembourg", 4, 5, "Europe/Luxembourg"},
		{" 00:00 ", "UTC", 0, 0, "UTC"},
	}
	for _, tt := range tests {
		c, err := Load(env(map[string]string{"DAILY_JOBS_AT": tt.at, "DAILY_JOBS_TZ": tt.zone}))
		if err != nil {
			t.Fatalf("DAILY_JOBS_AT=%q DAILY_JOBS_TZ=%q: %v", tt.at, tt.zone, err)
		}
		if got := c.DailyJobsAt; got.Hour != tt.hour || got.Minute != tt.minute || got.Location.String() != tt.wantZone {
			t.Errorf("DAILY_JOBS_AT=%q DAILY_JOBS_TZ=%q: got %+v, want %02d:%02d %s", tt.at, tt.zone, got, tt.hour, tt.minute, tt.wantZone)
		}
	}
}

func TestLoadProductionRequiresSecrets(t *testing.T) {
	_, err := Load(env(map[string]string{"APP_ENV": "production"}))
	for _, name := range []string{"SESSION_KEYS", "MEILI_MASTER_KEY", "TOTP_KEYS"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("want an error naming %s, got %v", name, err)
		}
	}
	// With everything else given, a missing TOTP_KEYS is one line naming it.
	_, err = Load(env(map[string]string{"APP_ENV": "production", "MEILI_MASTER_KEY": "k",
		"SESSION_KEYS": strings.Repeat("a", 64) + ":" + strings.Repeat("b", 64)}))
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), "config: TOTP_KEYS is required") {
		t.Errorf("want one line naming TOTP_KEYS, got %q", err)
	}
}

func TestLoadTOTPKeysNewestFirst(t *testing.T) {
	c, err := Load(env(map[string]string{"TOTP_KEYS": strings.Repeat("b1", 32) + ", " + strings.Repeat("a1", 32)}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.TOTPKeys) != 2 || c.TOTPKeys[0][0] != 0xb1 || c.TOTPKeys[1][31] != 0xa1 {
		t.Fatalf("keys parsed wrong: %x", c.TOTPKeys)
	}
	if c, err := Load(env(nil)); err != nil || c.TOTPKeys != nil {
		t.Errorf("development without TOTP_KEYS: %v %v, want no keys and no error", c.TOTPKeys, err)
	}
}

func TestLoadSessionKeysNewestFirst(t *testing.T) {
	k1 := strings.Repeat("a", 64) + ":" + strings.Repeat("b", 64)
	k2 := strings.Repeat("c", 64) + ":" + strings.Repeat("d", 32)
	c, err := Load(env(map[string]string{"SESSION_KEYS": k1 + "," + k2, "BASE_URL": "https://partners.example.org/"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.SessionKeys) != 2 || c.SessionKeys[0].Auth[0] != 0xaa || len(c.SessionKeys[1].Encrypt) != 16 {
		t.Fatalf("keys parsed wrong: %+v", c.SessionKeys)
	}
	if !c.SecureCookies() || c.BaseURL.String() != "https://partners.example.org" {
		t.Errorf("https base: secure=%v base=%q", c.SecureCookies(), c.BaseURL)
	}
}

func TestRedactHidesPassword(t *testing.T) {
	_, err := Load(env(map[string]string{"DATABASE_URL": "mysql://u:secret@h/db"}))
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("password leaked or not rejected: %v", err)
	}
}

func TestLoadPersonalDataRetention(t *testing.T) {
	for value, want := range map[string]time.Duration{"": 90 * 24 * time.Hour, "30d": 30 * 24 * time.Hour, "36h": 36 * time.Hour} {
		c, err := Load(env(map[string]string{"PERSONAL_DATA_RETENTION": value}))
		if err != nil {
			t.Fatalf("PERSONAL_DATA_RETENTION=%q: %v", value, err)
		}
		if c.PersonalDataRetention != want {
			t.Errorf("PERSONAL_DATA_RETENTION=%q: %s, want %s", value, c.PersonalDataRetention, want)
		}
	}
}

func TestLoadNewsletterDigest(t *testing.T) {
	for _, tt := range []struct {
		value string
		want  DigestSchedule
	}{
		{"", DigestSchedule{Every: "month", Day: 1}},
		{"monthly", DigestSchedule{Every: "month", Day: 1}},
		{"monthly:15", DigestSchedule{Every: "month", Day: 15}},
		{"Weekly:Friday", DigestSchedule{Every: "week", Weekday: time.Friday}},
		{"weekly", DigestSchedule{Every: "week", Weekday: time.Monday}},
		{"daily", DigestSchedule{Every: "day"}},
		{"off", DigestSchedule{}},
	} {
		c, err := Load(env(map[string]string{"NEWSLETTER_DIGEST": tt.value}))
		if err != nil {
			t.Fatalf("NEWSLETTER_DIGEST=%q: %v", tt.value, err)
		}
		if c.NewsletterDigest != tt.want {
			t.Errorf("NEWSLETTER_DIGEST=%q: %+v, want %+v", tt.value, c.NewsletterDigest, tt.want)
		}
	}
}

// TestLoadMetricsAddr: the metrics listener is on loopback unless told
// otherwise, and "off" turns it off.
func TestLoadMetricsAddr(t *testing.T) {
	for value, want := range map[string]string{"": "127.0.0.1:9464", "off": "", "OFF": "", ":9100": ":9100", "10.0.0.5:9464": "10.0.0.5:9464"} {
		c, err := Load(env(map[string]string{"METRICS_ADDR": value}))
		if err != nil {
			t.Fatalf("METRICS_ADDR=%q: %v", value, err)
		}
		if c.MetricsAddr != want {
			t.Errorf("METRICS_ADDR=%q: %q, want %q", value, c.MetricsAddr, want)
		}
	}
}

func TestLoadVerificationValidity(t *testing.T) {
	for value, want := range map[string]int{"": 24, "24mo": 24, "2y": 24, "6": 6, "120mo": 120} {
		c, err := Load(env(map[string]string{"VERIFICATION_VALIDITY": value}))
		if err != nil {
			t.Fatalf("VERIFICATION_VALIDITY=%q: %v", value, err)
		}
		if c.VerificationValidity != want {
			t.Errorf("VERIFICATION_VALIDITY=%q: %d months, want %d", value, c.VerificationValidity, want)
		}
	}
	for _, bad := range []string{"0", "-3", "24d", "11y", "two years", "1.5y"} {
		_, err := Load(env(map[string]string{"VERIFICATION_VALIDITY": bad}))
		if err == nil || strings.Count(err.Error(), "\n") != 0 || !strings.Contains(err.Error(), "VERIFICATION_VALIDITY") {
			t.Errorf("VERIFICATION_VALIDITY=%q: %v, want one line naming the variable", bad, err)
		}
	}
}
