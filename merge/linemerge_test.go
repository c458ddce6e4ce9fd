package merge

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// testLineMerge returns the package's line merge, or until one is wired
// in, git merge-file as a stand-in so the tree-level logic can be checked.
func testLineMerge(t testing.TB) LineMergeFunc {
	if defaultLineMerge != nil {
		return nil
	}
	dir := t.TempDir()
	return func(base, ours, theirs []byte, o LineOptions) ([]byte, int) {
		write := func(name string, b []byte) string {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}
		a, b, c := write("o", ours), write("b", base), write("t", theirs)
		args := []string{"merge-file", "-p", "--marker-size=" + itoa(o.MarkerSize), "-L", o.OursLabel, "-L", o.BaseLabel, "-L", o.TheirsLabel}
		if o.Style == StyleDiff3 {
			args = append(args, "--diff3")
		}
		if o.Style == StyleZDiff3 {
			args = append(args, "--zdiff3")
		}
		args = append(args, a, b, c)
		cmd := exec.Command("git", args...)
		var out bytes.Buffer
		cmd.Stdout = &out
		err := cmd.Run()
		n := 0
		if ee, ok := err.(*exec.ExitError); ok {
			n = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.Bytes(), n
	}
}

func itoa(n int) string {
	return string(bytes.TrimSpace([]byte(func() string { return fmtInt(n) }())))
}

func fmtInt(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}
