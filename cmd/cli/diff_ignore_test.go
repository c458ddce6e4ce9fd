package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runBoth runs one diff command line with git and with easel in dir and
// returns their outputs and exit codes.
func runBoth(t *testing.T, dir string, args ...string) (gotOut string, gotCode int, wantOut string, wantCode int) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir, cmd.Env = dir, gitEnv(dir)
	out, err := cmd.Output()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		wantCode = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	var eout, eerr bytes.Buffer
	env := &Env{IO: &IO{In: strings.NewReader(""), Out: &eout, Err: &eerr, Getenv: os.Getenv}, Dir: dir}
	gotCode = Run(context.Background(), env, args)
	return eout.String(), gotCode, string(out), wantCode
}

// wsLines are lines that differ from one another only in whitespace (and
// carriage returns, blank lines, comments) so that every ignore option
// has something to match, or not.
var wsLines = []string{"a b", "a  b", "a\tb", " a b", "a b ", "a b\t", "ab", "a b\r", "a  b \r", "c", " c", "c  ",
	"", " ", "\t", "\r", "# note", "#  note", "d\ve", "d\fe", "x y z", "x  y  z", "x y z  ", "{", "}", "\tif x {"}

func randomWSFile(r *rand.Rand) []string {
	n := r.IntN(30)
	lines := make([]string, n)
	for i := range lines {
		lines[i] = wsLines[r.IntN(len(wsLines))]
	}
	return lines
}

// mutateWS changes lines by whitespace only, or replaces, inserts and
// deletes lines.
func mutateWS(r *rand.Rand, a []string) []string {
	b := append([]string(nil), a...)
	for k := r.IntN(6); k >= 0; k-- {
		i := 0
		if len(b) > 0 {
			i = r.IntN(len(b))
		}
		switch op := r.IntN(6); {
		case op <= 1 && len(b) > 0: // whitespace edit
			l := b[i]
			switch r.IntN(4) {
			case 0:
				l = strings.Replace(l, " ", "  ", 1)
			case 1:
				l += " "
			case 2:
				l = "\t" + l
			default:
				l = strings.ReplaceAll(l, " ", "")
			}
			b[i] = l
		case op == 2 && len(b) > 0:
			b = append(b[:i], b[i+1:]...)
		case op == 3:
			b = append(b[:i], append([]string{""}, b[i:]...)...)
		default:
			b = append(b[:i], append([]string{wsLines[r.IntN(len(wsLines))]}, b[i:]...)...)
		}
	}
	return b
}

func joinLines(lines []string, lastNewline bool) string {
	s := strings.Join(lines, "\n")
	if len(lines) > 0 && lastNewline {
		s += "\n"
	}
	return s
}

// diff's whitespace-ignoring options print, count and exit as git's do on
// many random whitespace edits: the same hunks (context from the new side,
// ignorable changes dropped or kept by git's rules), the same --stat and
// --numstat (files with only ignored changes left out), the same exit
// status under --exit-code.
func TestDiffIgnoreOptionsMatchGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	runGit(t, dir, "", "init", "-q", "-b", "main")
	runGit(t, dir, "", "config", "core.autocrlf", "false")
	r := rand.New(rand.NewPCG(15, 2039))
	const files = 12
	optionSets := [][]string{
		{"-w"}, {"-b"}, {"--ignore-space-at-eol"}, {"--ignore-cr-at-eol"}, {"--ignore-blank-lines"},
		{"-I", "^#"}, {"-w", "--ignore-blank-lines"}, {"-b", "-I", "^ *$"},
		{"-w", "--patience"}, {"-b", "--histogram"}, {"--ignore-cr-at-eol", "-b"},
		{"-I", "c", "-I", "^a"}, {"--ignore-space-at-eol", "--ignore-blank-lines"},
	}
	for round := 0; round < 6; round++ {
		names := make([]string, files)
		for i := range names {
			names[i] = fmt.Sprintf("f%02d", i)
			a := randomWSFile(r)
			if err := os.WriteFile(filepath.Join(dir, names[i]), []byte(joinLines(a, r.IntN(5) > 0)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		runGit(t, dir, "", "add", ".")
		runGit(t, dir, "", "commit", "-q", "--allow-empty", "-m", fmt.Sprint(round))
		for i, name := range names {
			data, _ := os.ReadFile(filepath.Join(dir, name))
			a := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
			if len(data) == 0 {
				a = nil
			}
			b := a
			if i%4 != 0 {
				b = mutateWS(r, a)
			}
			if err := os.WriteFile(filepath.Join(dir, name), []byte(joinLines(b, r.IntN(5) > 0)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for _, opts := range optionSets {
			// (-U also asks for the patch in git, so it goes with no
			// other format.)
			for _, extra := range [][]string{nil, {"-U0"}, {"-U1"}, {"--stat"}, {"--numstat"}, {"--exit-code", "--quiet"}} {
				args := append(append([]string{"diff"}, opts...), extra...)
				got, gotCode, want, wantCode := runBoth(t, dir, args...)
				what := fmt.Sprintf("round %d: %q", round, args)
				sameOutput(t, what, got, want)
				if gotCode != wantCode {
					t.Fatalf("%s: exit %d, git %d", what, gotCode, wantCode)
				}
			}
		}
		runGit(t, dir, "", "add", ".")
		runGit(t, dir, "", "commit", "-q", "--allow-empty", "-m", fmt.Sprint(round, "b"))
		for _, opts := range optionSets[:6] {
			args := append([]string{"log", "-p", "-1", "--format=%s"}, opts...)
			got, _, want, _ := runBoth(t, dir, args...)
			sameOutput(t, fmt.Sprintf("round %d: %q", round, args), got, want)
		}
	}
}
