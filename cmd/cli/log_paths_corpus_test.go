package cli

import (
	"fmt"
	"testing"
)

// TestLogPathsCorpusMatchesGit compares path-limited logs with git's on
// git's own history: first walking trees (a commit that only changes a
// file's mode counts), then with a commit-graph carrying changed-path
// Bloom filters, which both tools then read.
func TestLogPathsCorpusMatchesGit(t *testing.T) {
	dir := corpusClone(t)
	t.Setenv("HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	check := func(args ...string) {
		sameOutput(t, fmt.Sprint(args), runEasel(t, dir, args...), runGit(t, dir, "", args...))
	}
	check("log", "--oneline", "--", "t/t0000-basic.sh")
	runGit(t, dir, "", "commit-graph", "write", "--reachable", "--changed-paths")
	for _, args := range [][]string{
		{"log", "--oneline", "--", "t/t0000-basic.sh"},
		{"log", "--oneline", "--", "Documentation/git-log.txt"},
		{"log", "--oneline", "--", "builtin"},
		{"log", "--oneline", "--", "gitweb/static/", "Makefile"},
		{"log", "--format=%h %s", "--first-parent", "--", "diff.c"},
	} {
		check(args...)
	}
}
