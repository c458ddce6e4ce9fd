package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// followRepo builds, with git, a history where a file is modified,
// renamed, copied, renamed again with changes, and merged.
func followRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git := func(args ...string) { t.Helper(); runGit(t, dir, "", args...) }
	lines := func(n int, tag string) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "line %d of the text %s\n", i, tag)
		}
		return b.String()
	}
	git("init", "-q", "-b", "main")
	write("one", lines(20, ""))
	write("other", "unrelated\n")
	git("add", ".")
	git("commit", "-qm", "initial")
	write("one", lines(20, "")+"more\n")
	git("commit", "-qam", "second")
	git("mv", "one", "ichi")
	git("commit", "-qm", "third: rename")
	write("ein", lines(20, "")+"more\n")
	git("add", "ein")
	git("commit", "-qm", "fourth: copy")
	if err := os.MkdirAll(filepath.Join(dir, "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	git("mv", "ichi", "dir/ni")
	write("dir/ni", lines(18, "")+"changed\n")
	git("add", ".")
	git("commit", "-qm", "fifth: rename with changes")
	git("checkout", "-qb", "side", "HEAD~1")
	write("other", "side change\n")
	git("commit", "-qam", "side")
	git("checkout", "-q", "main")
	git("merge", "-q", "--no-edit", "side")
	write("dir/ni", lines(18, "")+"changed again\n")
	git("commit", "-qam", "sixth")
	return dir
}

// TestLogFollowMatchesGit compares log --follow, log.follow and -C with
// git's on a history of renames and copies.
func TestLogFollowMatchesGit(t *testing.T) {
	dir := followRepo(t)
	for _, args := range [][]string{
		{"log", "--follow", "--format=%s", "--", "dir/ni"},
		{"log", "--follow", "--name-status", "--format=%s", "dir/ni"},
		{"log", "--follow", "-p", "--", "dir/ni"},
		{"log", "--follow", "--stat", "--oneline", "--", "dir/ni"},
		{"log", "--follow", "-M90%", "--name-status", "--format=%s", "--", "dir/ni"},
		{"log", "--follow", "--name-status", "--format=%s", "--", "ein"},
		{"log", "--follow", "-m", "--name-status", "--format=%s", "--", "other"},
		{"log", "--follow", "--no-follow", "--format=%s", "--", "dir/ni"},
		{"log", "-C", "-C", "--diff-filter=C", "--name-status", "--format=%s"},
		{"log", "-C", "--name-status", "--format=%s"},
		{"log", "--find-copies-harder", "--summary", "--format=%s"},
		{"-c", "log.follow=true", "log", "--format=%s", "--", "dir/ni"},
		{"-c", "log.follow=true", "log", "--format=%s", "--", "dir/ni", "ein"},
		{"-c", "log.follow=true", "log", "--no-follow", "--format=%s", "--", "dir/ni"},
	} {
		sameOutput(t, fmt.Sprint(args), runEasel(t, dir, args...), runGit(t, dir, "", args...))
	}
}

// TestLogReflogWalkMatchesGit compares log -g, reflog's formats and the
// other options git's t4202 exercises with git's output.
func TestLogReflogWalkMatchesGit(t *testing.T) {
	dir := followRepo(t)
	runGit(t, dir, "", "reset", "-q", "--hard", "HEAD~1")
	runGit(t, dir, "", "checkout", "-q", "side")
	for _, args := range [][]string{
		{"log", "-g"},
		{"log", "-g", "--oneline"},
		{"log", "-g", "--abbrev-commit", "--pretty=oneline"},
		{"log", "-g", "--format=fuller", "main"},
		{"log", "--walk-reflogs", "--graph", "--no-graph", "-2"},
		{"reflog", "--format=short", "-2"},
		{"reflog"},
		{"log", "--show-linear-break", "--oneline", "main"},
		{"log", "--show-linear-break=XX", "--format=%s", "main"},
		{"log", "--color=always", "--author=A", "-2"},
		{"log", "--color=always", "-i", "--grep=^SIX", "main"},
		{"-c", "color.grep.selected=green", "-c", "color.grep.matchSelected=blue", "log", "--color=always", "--grep=e", "main"},
		{"log", "--color=always", "--pretty=fuller", "--committer=example", "-1"},
		{"log", "--format=short", "-1"},
	} {
		sameOutput(t, fmt.Sprint(args), runEasel(t, dir, args...), runGit(t, dir, "", args...))
	}
	runGit(t, dir, "", "update-ref", "refs/heads/--source", "HEAD")
	sameOutput(t, "--end-of-options", runEasel(t, dir, "log", "--end-of-options", "--source"), runGit(t, dir, "", "log", "--end-of-options", "--source"))
}

// TestLogSimplifyByDecorationMatchesGit compares --simplify-by-decoration
// with git's on a history with merges, branches and tags, with every ref
// and with the decorations cut down by patterns.
func TestLogSimplifyByDecorationMatchesGit(t *testing.T) {
	dir := followRepo(t)
	git := func(args ...string) { t.Helper(); runGit(t, dir, "", args...) }
	git("tag", "t-second", "HEAD~4")
	git("tag", "-a", "-m", "annotated", "t-third", "HEAD~5")
	git("checkout", "-qb", "other", "HEAD~3")
	if err := os.WriteFile(filepath.Join(dir, "third"), []byte("3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git("add", "third")
	git("commit", "-qm", "other side")
	git("checkout", "-q", "main")
	git("merge", "-q", "--no-edit", "other")
	for _, args := range [][]string{
		{"log", "--simplify-by-decoration", "--format=%s%d", "--all"},
		{"log", "--simplify-by-decoration", "--oneline"},
		{"log", "--simplify-by-decoration", "--oneline", "--decorate-refs=tags"},
		{"log", "--simplify-by-decoration", "--format=%s%d", "--decorate-refs-exclude=refs/heads/side", "--all"},
		{"log", "--simplify-by-decoration", "--format=%s%d", "--decorate-refs=refs/heads/other", "--clear-decorations", "-n", "3"},
	} {
		sameOutput(t, fmt.Sprint(args), runEasel(t, dir, args...), runGit(t, dir, "", args...))
	}
}
