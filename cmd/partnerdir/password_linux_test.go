package main

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/partnerdir/partnerdir/internal/testenv"
)

// openPTY opens a pseudo-terminal: what the test writes to ptm, the
// program reads from pts as if it were typed.
func openPTY(t *testing.T) (ptm, pts *os.File) {
	t.Helper()
	fd, err := syscall.Open("/dev/ptmx", syscall.O_RDWR|syscall.O_NOCTTY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		testenv.Missing(t, "no pseudo-terminals here: "+err.Error(), "a pseudo-terminal (/dev/ptmx)", "run on Linux with /dev/pts mounted")
	}
	ptm = os.NewFile(uintptr(fd), "/dev/ptmx") // non-blocking: reads take deadlines
	t.Cleanup(func() { ptm.Close() })
	var unlock int32
	if err := ioctl(ptm, syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
		t.Fatalf("unlock pty: %v", err)
	}
	var n uint32
	if err := ioctl(ptm, syscall.TIOCGPTN, unsafe.Pointer(&n)); err != nil {
		t.Fatalf("pty number: %v", err)
	}
	pts, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pts.Close() })
	return ptm, pts
}

func ioctl(f *os.File, req uintptr, arg unsafe.Pointer) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), req, uintptr(arg)); errno != 0 {
		return errno
	}
	return nil
}

// echoing reports whether the terminal echoes what is typed.
func echoing(t *testing.T, pts *os.File) bool {
	var st syscall.Termios
	if err := ioctl(pts, syscall.TCGETS, unsafe.Pointer(&st)); err != nil {
		t.Fatal(err)
	}
	return st.Lflag&syscall.ECHO != 0
}

// promptLog records the prompts and signals each one.
type promptLog struct {
	mu     sync.Mutex
	text   strings.Builder
	prompt chan struct{}
}

func (p *promptLog) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if strings.Contains(string(b), "password") {
		p.prompt <- struct{}{}
	}
	return p.text.Write(b)
}

// TestReadPasswordFromTerminal types the password on a terminal, each line
// once it is asked for: it is asked for twice on stderr and never echoed.
func TestReadPasswordFromTerminal(t *testing.T) {
	for _, tc := range []struct {
		lines   []string
		want    string
		wantErr string
	}{
		{[]string{"a long enough password", "a long enough password"}, "a long enough password", ""},
		{[]string{"a long enough password", "another one"}, "", "differ"},
	} {
		ptm, pts := openPTY(t)
		if !isTerminal(pts) || !echoing(t, pts) {
			t.Fatal("the pty is not an echoing terminal")
		}
		prompts := &promptLog{prompt: make(chan struct{}, 2)}
		typed := make(chan error, 1)
		go func() {
			for _, line := range tc.lines {
				<-prompts.prompt
				for deadline := time.Now().Add(10 * time.Second); echoing(t, pts); time.Sleep(time.Millisecond) {
					if time.Now().After(deadline) {
						typed <- fmt.Errorf("echo still on after the prompt")
						return
					}
				}
				if _, err := ptm.WriteString(line + "\n"); err != nil {
					typed <- err
					return
				}
			}
			typed <- nil
		}()
		got, err := readPassword(pts, prompts)
		if terr := <-typed; terr != nil {
			t.Fatal(terr)
		}
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("typed %q: %v, want an error about %q", tc.lines, err, tc.wantErr)
			}
		} else if err != nil || got != tc.want {
			t.Errorf("typed %q: got %q, %v", tc.lines, got, err)
		}
		if p := prompts.text.String(); p != "password: \npassword again: \n" {
			t.Errorf("prompts on stderr: %q", p)
		}
		_ = ptm.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		b := make([]byte, 512)
		n, _ := ptm.Read(b)
		if shown := string(b[:n]); strings.Contains(shown, "password") || strings.Contains(shown, "another") {
			t.Errorf("the terminal showed the password: %q", shown)
		}
		if !echoing(t, pts) {
			t.Error("echo was not restored")
		}
	}
}
