package accounts_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/partnerdir/partnerdir/internal/accounts"
)

func TestTwoFactorEnrolmentCodesAndRecovery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool := newStore(t, accounts.WithLoginLimits(100, 4, time.Hour))
	uid, err := s.CreateUser(ctx, cli, accounts.NewUser{Email: "staff@example.org", Name: "S", Password: "correct horse battery", Role: accounts.RoleStaff})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := s.User(ctx, uid)
	if !u.NeedsTwoFactor() {
		t.Fatal("staff without an authenticator must enrol")
	}
	e, err := accounts.NewEnrolment(u)
	if err != nil || len(e.Secret) < 16 || len(e.QR) < 100 || e.URL == "" {
		t.Fatalf("enrolment %v", err)
	}
	if _, err := s.EnableTwoFactor(ctx, cli, uid, e.Secret, "000000", ""); !errors.Is(err, accounts.ErrBadCredentials) {
		t.Fatalf("wrong code accepted at enrolment: %v", err)
	}
	code, _ := totp.GenerateCode(e.Secret, time.Now())
	recovery, err := s.EnableTwoFactor(ctx, cli, uid, e.Secret, code, "")
	if err != nil || len(recovery) != 10 {
		t.Fatalf("enable: %v %v", recovery, err)
	}
	if u, _ := s.User(ctx, uid); !u.TwoFactor || u.NeedsTwoFactor() {
		t.Error("two-factor not recorded")
	}
	// The code used to enrol cannot be replayed to log in.
	if err := s.VerifySecondFactor(ctx, uid, code, "192.0.2.1", ""); !errors.Is(err, accounts.ErrBadCredentials) {
		t.Errorf("replayed code: %v", err)
	}
	next, _ := totp.GenerateCode(e.Secret, time.Now().Add(30*time.Second))
	if err := s.VerifySecondFactor(ctx, uid, next, "192.0.2.1", ""); err != nil {
		t.Errorf("next step's code: %v", err)
	}
	if err := s.VerifySecondFactor(ctx, uid, recovery[3], "192.0.2.1", ""); err != nil {
		t.Errorf("recovery code: %v", err)
	}
	if err := s.VerifySecondFactor(ctx, uid, recovery[3], "192.0.2.1", ""); !errors.Is(err, accounts.ErrBadCredentials) {
		t.Errorf("recovery code used twice: %v", err)
	}
	var stored int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM recovery_codes WHERE code_hash = convert_to($1, 'UTF8')`, recovery[0]).Scan(&stored)
	if stored != 0 {
		t.Error("recovery codes are stored in clear")
	}
	for i := 0; i < 3; i++ {
		_ = s.VerifySecondFactor(ctx, uid, "123456", "192.0.2.1", "")
	}
	if err := s.VerifySecondFactor(ctx, uid, recovery[5], "192.0.2.1", ""); !errors.Is(err, accounts.ErrRateLimited) {
		t.Errorf("after repeated wrong codes: %v, want ErrRateLimited", err)
	}
}
