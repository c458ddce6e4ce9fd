package lockfile

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestAcquireIsExclusiveAndNamesTheLock(t *testing.T) {
	p := filepath.Join(t.TempDir(), "refs", "heads", "topic", "x")
	l, err := Acquire(p, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(p, 0o644)
	var le *LockedError
	if !errors.As(err, &le) || le.Path != p+".lock" || !errors.Is(err, ErrLocked) {
		t.Fatalf("second Acquire: %v, want a LockedError for %s.lock", err, p)
	}
	if !strings.Contains(err.Error(), "'"+p+".lock'") || !strings.Contains(err.Error(), "remove the file") {
		t.Fatalf("the message does not name the lock and say what to do: %v", err)
	}
	l.Write([]byte("new\n"))
	if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the target exists before Commit: %v", err)
	}
	if err := l.Commit(); err != nil {
		t.Fatal(err)
	}
	l.Rollback() // after Commit: does nothing
	if b, _ := os.ReadFile(p); string(b) != "new\n" {
		t.Fatalf("after Commit the file holds %q", b)
	}
	if _, err := os.Stat(p + ".lock"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the lock is still there after Commit: %v", err)
	}
}

func TestRollbackLeavesTheTarget(t *testing.T) {
	p := filepath.Join(t.TempDir(), "index")
	if err := WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := Acquire(p, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	l.Write([]byte("half written"))
	l.Rollback()
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Fatalf("after Rollback the file holds %q", b)
	}
	if err := WriteFile(p, []byte("again"), 0o644); err != nil {
		t.Fatalf("the lock is still held after Rollback: %v", err)
	}
}

func TestAcquireThroughAFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Acquire(filepath.Join(dir, "a", "b", "c"), 0o644); err == nil {
		t.Fatal("Acquire below a file succeeded")
	}
}

// TestExclusiveCannotGoStale: a process killed with SIGKILL while it holds
// an Exclusive lock does not keep it, unlike a "<path>.lock" file.
func TestExclusiveCannotGoStale(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("flock only")
	}
	if os.Getenv("LOCKFILE_TEST_HOLD") != "" {
		if _, err := Exclusive(os.Getenv("LOCKFILE_TEST_HOLD")); err != nil {
			os.Exit(3)
		}
		os.Stdout.WriteString("held\n")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	p := filepath.Join(t.TempDir(), ".easel-serve.lock")
	release, err := Exclusive(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Exclusive(p); !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), p) {
		t.Fatalf("second Exclusive in the same process: %v, want ErrLocked naming %s", err, p)
	}
	release()

	cmd := exec.Command(os.Args[0], "-test.run=^TestExclusiveCannotGoStale$")
	cmd.Env = append(os.Environ(), "LOCKFILE_TEST_HOLD="+p)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		if errors.Is(err, syscall.ENOEXEC) {
			// A test binary for another architecture run by qemu-user
			// without binfmt_misc cannot start itself again.
			t.Skipf("cannot run the test binary again: %v", err)
		}
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := out.Read(buf); err != nil || string(buf) != "held\n" {
		cmd.Process.Kill()
		t.Fatalf("the child did not take the lock: %q %v", buf, err)
	}
	if _, err := Exclusive(p); !errors.Is(err, ErrLocked) {
		t.Fatalf("Exclusive while another process holds it: %v", err)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	release, err = Exclusive(p)
	if err != nil {
		t.Fatalf("the lock of a killed process is still held: %v", err)
	}
	release()
}
