// Package easeltest runs the easel binary from other packages' tests:
// building it, running it, killing it part way, and the seeds and round
// counts of the crash tests.
package easeltest

import (
	"errors"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Build compiles the easel command into a temporary directory (the build
// cache makes every call after the first quick). Call it before pinning
// HOME: the build needs the real module and build caches. It skips t
// where there is no go command (a test binary built for another platform).
func Build(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go not installed: cannot build easel")
	}
	bin := filepath.Join(t.TempDir(), "easel")
	if out, err := exec.Command("go", "build", "-o", bin, "easel.dev/easel/cmd/easel").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// Run runs bin in dir and returns its exit code and combined output.
func Run(t testing.TB, bin, dir string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &ee):
		return ee.ExitCode(), string(out)
	}
	t.Fatalf("easel %v: %v", args, err)
	return -1, ""
}

// RunKilled starts bin in dir and sends it SIGKILL after d unless it
// finished first; it reports whether the kill cut it short.
func RunKilled(t testing.TB, bin, dir string, d time.Duration, args ...string) bool {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
		return false
	case <-time.After(d):
	}
	cmd.Process.Signal(syscall.SIGKILL)
	<-done
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	return ws.Signaled()
}

// CrashRounds is EASEL_CRASH_ROUNDS, or def: how many kills a crash test
// makes (the default keeps the tests to seconds).
func CrashRounds(t testing.TB, def int) int {
	if s := os.Getenv("EASEL_CRASH_ROUNDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("EASEL_CRASH_ROUNDS=%q: want a positive number", s)
		}
		return n
	}
	return def
}

// CrashRand is a random source seeded from EASEL_CRASH_SEED, or from the
// clock; the seed is logged so that a failing run can be replayed.
func CrashRand(t testing.TB) *mrand.Rand {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("EASEL_CRASH_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("EASEL_CRASH_SEED=%q: %v", s, err)
		}
		seed = n
	}
	t.Logf("EASEL_CRASH_SEED=%d", seed)
	return mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}
