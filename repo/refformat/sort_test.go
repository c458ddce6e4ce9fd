package refformat

import (
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// TestVersionCompareMatchesGit sorts names as git's versioncmp does, with
// and without pre-release suffixes; git (ls-remote --sort) is the oracle.
func TestVersionCompareMatchesGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("needs git")
	}
	names := []string{"v1.0", "v1.0.1", "v1.0-rc1", "v1.0-rc2", "v1.0-beta", "v1.10", "v1.2", "v1.9.9",
		"v2.0-pre", "v2.0", "v02.0", "v2.00", "foo1.10", "foo1.3", "foo1.6-rc1", "foo1.6", "foo1.6.2", "v1.0.0-rc1"}
	dir := t.TempDir()
	run := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	run("init", "-q")
	run("-c", "user.name=u", "-c", "user.email=u@e", "commit", "-q", "--allow-empty", "-m", "x")
	for _, n := range names {
		run("tag", n)
	}
	for _, suffixes := range [][]string{nil, {"-rc"}, {"-beta", "-rc", "-pre"}, {"-pre", "-rc1"}} {
		args := []string{}
		for _, s := range suffixes {
			args = append(args, "-c", "versionsort.suffix="+s)
		}
		want := strings.Fields(run(append(args, "tag", "--sort=version:refname")...))
		got := append([]string(nil), names...)
		sort.SliceStable(got, func(i, j int) bool {
			if c := VersionCompare(got[i], got[j], suffixes); c != 0 {
				return c < 0
			}
			return got[i] < got[j]
		})
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("suffixes %q:\n got %v\nwant %v", suffixes, got, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ format, msg string }{
		{"%(rest)", "this command reject atom %(rest)"},
		{"%(nosuch)", "unknown field name: nosuch"},
		{"%(refname", "malformed format string %(refname"},
		{"%(if)x", "format: %(end) atom missing"},
		{"%(then)", "format: %(then) atom used without an %(if) atom"},
		{"%(if)%(else)%(end)", "format: %(else) atom used without a %(then) atom"},
		{"%(objectname:long)", "unrecognized %(objectname) argument: long"},
		{"%(align)", "expected format: %(align:<width>,<position>)"},
	} {
		_, err := Parse(c.format)
		if err == nil || Message(err) != c.msg {
			t.Errorf("%s: %v, want %q", c.format, err, c.msg)
		}
	}
	if _, err := ParseSortKeys([]string{"-version:refname", "v:refname", "-creatordate"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseSortKeys([]string{"notvalid"}); err == nil || Message(err) != "unknown field name: notvalid" {
		t.Fatalf("bad key: %v", err)
	}
}

func TestRefnameStrip(t *testing.T) {
	for _, c := range []struct {
		name string
		n    int
		l, r string
	}{
		{"refs/tags/v1/x", 2, "v1/x", "refs/tags"},
		{"refs/tags/v1/x", -1, "x", "refs"},
		{"refs/tags/v1/x", 9, "", ""},
		{"refs/heads/main", -2, "heads/main", "refs/heads"},
	} {
		if got := lstrip(c.name, c.n); got != c.l {
			t.Errorf("lstrip(%s, %d) = %q, want %q", c.name, c.n, got, c.l)
		}
		if got := rstrip(c.name, c.n); got != c.r {
			t.Errorf("rstrip(%s, %d) = %q, want %q", c.name, c.n, got, c.r)
		}
	}
}
