package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// blameHistory builds a small history exercising what blame has to
// follow: edits, lines moved and duplicated, a whitespace-only change, a
// rename with edits, a merge of two branches, a last line without
// newline, and a second root commit merged in.
func blameHistory(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	tick := 1700000000
	git := func(args ...string) {
		t.Helper()
		tick += 3600
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		date := fmt.Sprintf("%d +0200", tick)
		cmd.Env = append(gitEnv(dir), "GIT_AUTHOR_DATE="+date, "GIT_COMMITTER_DATE="+date)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v: %s", args, err, out)
		}
	}
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	commit := func(author, msg string) {
		t.Helper()
		git("add", "-A")
		git("-c", "user.name="+author, "commit", "-q", "--author", author+" <"+strings.ToLower(author)+"@example.com>", "-m", msg)
	}
	git("init", "-q", "-b", "main")
	var lines []string
	for i := 1; i <= 40; i++ {
		lines = append(lines, fmt.Sprintf("line %d of the story", i))
	}
	text := func() string { return strings.Join(lines, "\n") + "\n" }
	write("a.txt", text())
	write("other.c", "int main(void)\n{\n\treturn 0;\n}\n\nstatic int helper(int x)\n{\n\treturn x;\n}\n")
	commit("Alice", "first")
	lines[4] = "line 5 rewritten"
	lines = append(lines[:10], append([]string{"inserted a", "inserted b"}, lines[10:]...)...)
	write("a.txt", text())
	commit("Bob", "edit and insert")
	// Move a block from the top to the bottom.
	moved := append([]string(nil), lines[0:3]...)
	lines = append(lines[3:], moved...)
	write("a.txt", text())
	commit("Carol", "move a block")
	lines[7] = "  " + lines[7] + "  "
	write("a.txt", text())
	write("other.c", "int main(void)\n{\n\treturn helper(1);\n}\n\nstatic int helper(int x)\n{\n\treturn x + 1;\n}\n")
	commit("Alice", "whitespace and helper")
	git("checkout", "-q", "-b", "side")
	lines[20] = "side changed this"
	lines = append(lines, "side appended")
	write("a.txt", text())
	commit("Dave", "side work")
	git("checkout", "-q", "main")
	git("mv", "a.txt", "b.txt")
	main := append([]string(nil), lines[:len(lines)-1]...)
	main[20] = lines[20]
	main[2] = "main changed line three"
	_ = main
	data, _ := os.ReadFile(filepath.Join(dir, "b.txt"))
	bl := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	bl[2] = "main changed line three"
	write("b.txt", strings.Join(bl, "\n")+"\n")
	commit("Erin", "rename with an edit")
	git("merge", "-q", "--no-edit", "side")
	data, _ = os.ReadFile(filepath.Join(dir, "b.txt"))
	write("b.txt", string(data)+"no newline at the end")
	commit("Frank", "incomplete last line")
	git("checkout", "-q", "--orphan", "island")
	git("rm", "-q", "-rf", ".")
	write("island.txt", "from another root\nsecond\n")
	commit("Gina", "another root")
	git("checkout", "-q", "main")
	git("merge", "-q", "--no-edit", "--allow-unrelated-histories", "island")
	data, _ = os.ReadFile(filepath.Join(dir, "island.txt"))
	write("island.txt", string(data)+"third on main\n")
	commit("Hank", "extend island")
	// Lines copied from a file the commit also changes (-C), and from
	// one it leaves alone (-C -C, -C -C -C).
	write("copy.c", "/* copied */\nstatic int helper(int x)\n{\n\treturn x + 1;\n}\nline 6 of the story\nline 7 of the story\nline 8 of the story\n")
	write("other.c", "int main(void)\n{\n\treturn helper(2);\n}\n\nstatic int helper(int x)\n{\n\treturn x + 1;\n}\n")
	commit("Ivy", "copy lines")
	return dir
}

// TestBlameMatchesGit compares blame's output formats and options with
// git's on twin runs over one repository.
func TestBlameMatchesGit(t *testing.T) {
	dir := blameHistory(t)
	t.Setenv("HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	check := func(args ...string) {
		t.Helper()
		sameOutput(t, fmt.Sprint(args), runEasel(t, dir, args...), runGit(t, dir, "", args...))
	}
	for _, args := range [][]string{
		{"blame", "b.txt"},
		{"blame", "--porcelain", "b.txt"},
		{"blame", "--line-porcelain", "b.txt"},
		{"blame", "-p", "HEAD~1", "--", "b.txt"},
		{"blame", "-l", "-n", "-f", "-e", "b.txt"},
		{"blame", "-s", "-t", "b.txt"},
		{"blame", "-b", "b.txt"},
		{"blame", "--root", "b.txt"},
		{"blame", "-c", "b.txt"},
		{"blame", "-w", "b.txt"},
		{"blame", "--first-parent", "b.txt"},
		{"blame", "--date=short", "b.txt"},
		{"blame", "--date=rfc", "--abbrev=12", "b.txt"},
		{"blame", "--abbrev=4", "b.txt"},
		{"blame", "-L", "3,8", "-L", "/inserted/,+3", "b.txt"},
		{"blame", "-L", "20,-5", "b.txt"},
		{"blame", "-L", ":helper", "other.c"},
		{"blame", "-L", "^:main", "-n", "other.c"},
		{"blame", "HEAD~3..", "--", "b.txt"},
		{"blame", "^HEAD~2", "b.txt"},
		{"blame", "--porcelain", "island.txt"},
		{"blame", "-b", "--root", "island.txt"},
		{"blame", "b.txt", "HEAD~2"},
		{"annotate", "b.txt"},
		{"blame", "-M", "b.txt"},
		{"blame", "-M5", "--porcelain", "b.txt"},
		{"blame", "-M", "-w", "-n", "other.c"},
		{"blame", "--incremental", "b.txt"},
		{"blame", "-C", "copy.c"},
		{"blame", "-C", "-C", "-n", "-f", "copy.c"},
		{"blame", "-C", "-C", "-C", "--porcelain", "copy.c"},
		{"blame", "-C5", "-M3", "copy.c"},
		{"blame", "--incremental", "-L", "5,9", "-L", "30,33", "b.txt"},
	} {
		check(args...)
	}
	runGit(t, dir, "", "config", "blame.showRoot", "true")
	runGit(t, dir, "", "config", "blame.date", "relative")
	check("blame", "b.txt")
	runGit(t, dir, "", "config", "blame.blankBoundary", "true")
	runGit(t, dir, "", "config", "blame.showRoot", "false")
	check("blame", "island.txt")
	runGit(t, dir, "", "config", "--unset", "blame.date")

	// Uncommitted lines: the date of "Not Committed Yet" is the time of
	// the run, so compare without dates.
	data, err := os.ReadFile(filepath.Join(dir, "b.txt"))
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(data), "line 12 of the story", "line 12 edited in the work tree", 1)
	if err := os.WriteFile(filepath.Join(dir, "b.txt"), []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	check("blame", "-s", "b.txt")
	check("blame", "-s", "-n", "-f", "b.txt")
	times := regexp.MustCompile(`(?m)^((author|committer)-(time|tz)) .*$`)
	strip := func(s string) string { return times.ReplaceAllString(s, "$1") }
	sameOutput(t, "blame --porcelain (work tree)", strip(runEasel(t, dir, "blame", "--porcelain", "b.txt")),
		strip(runGit(t, dir, "", "blame", "--porcelain", "b.txt")))
	contents := filepath.Join(dir, "contents.txt")
	if err := os.WriteFile(contents, []byte("first\n"+string(data)), 0o644); err != nil {
		t.Fatal(err)
	}
	check("blame", "-s", "--contents", contents, "b.txt")

	// A rename staged but not committed is followed through the index.
	runGit(t, dir, "", "mv", "b.txt", "c.txt")
	check("blame", "-s", "-f", "c.txt")
}

// TestBlameCorpusMatchesGit compares blame --porcelain of files with long
// histories (renames, merges, thousands of commits) with git's, in full.
func TestBlameCorpusMatchesGit(t *testing.T) {
	dir := corpusClone(t)
	t.Setenv("HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	for _, args := range [][]string{
		{"blame", "--porcelain", "Makefile"},
		{"blame", "--porcelain", "builtin/commit.c"},
		{"blame", "--porcelain", "diff.c"},
		{"blame", "-w", "-n", "-f", "HEAD~500", "--", "revision.c"},
		{"blame", "--first-parent", "-L", "/^static int/,+40", "builtin/log.c"},
		{"blame", "-M", "--porcelain", "diff.c"},
		{"blame", "-M5", "revision.c"},
		{"blame", "--incremental", "Makefile"},
		{"blame", "-C", "-C", "--porcelain", "builtin/commit.c"},
	} {
		sameOutput(t, fmt.Sprint(args), runEasel(t, dir, args...), runGit(t, dir, "", args...))
	}
}
