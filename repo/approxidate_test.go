package repo

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Free-text dates read as git's approxidate reads them: git rev-parse
// --since prints the time git made of each phrase.
func TestApproxidateWordsMatchGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	t.Setenv("TZ", "UTC")
	phrases := []string{
		"midnight the 12th of october, anno domini 1979",
		"october 12 1979 noon",
		"12 oct 1979 5:30pm",
		"dec 3 2001 10:11:12",
		"tea time on the 4th of july 1999",
		"yesterday noon",
		"3 days ago",
		"two weeks ago",
		"last friday",
		"5 hours ago",
		"6 months ago",
		"2 years ago",
		"noon the 1st",
		"now",
		"yesterday",
		"1 hour",
		"2.weeks.ago",
		"10 minutes ago",
		"5 sec ago",
		"3 months",
		"1 year ago",
		"15 seconds ago",
		"4 mondays ago",
	}
	dir := t.TempDir()
	if out, err := exec.Command("git", "init", "-q", dir).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v: %s", err, out)
	}
	for _, p := range phrases {
		cmd := exec.Command("git", "rev-parse", "--since="+p)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("git rev-parse --since=%q: %v", p, err)
		}
		want, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(string(out)), "--max-age="), 10, 64)
		if err != nil {
			t.Fatalf("%q: git printed %q", p, out)
		}
		got, err := ParseApproxDate(p, time.Now().In(time.UTC))
		if err != nil {
			t.Fatalf("%q: %v", p, err)
		}
		if d := got.Unix() - want; d < -5 || d > 5 {
			t.Errorf("%q: easel %s, git %s", p, got.UTC(), time.Unix(want, 0).UTC())
		}
	}
}
