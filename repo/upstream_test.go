package repo

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// aheadBehind agrees with git rev-list --left-right --count on histories
// whose dates are equal or run backwards (which a date-ordered walk could
// otherwise stop on too early), with merges on both sides.
func TestAheadBehindMatchesGit(t *testing.T) {
	needGit(t)
	gitEnv(t)
	r, dir := initRepo(t)
	ctx := context.Background()
	commit := func(date int64, msg string, parents ...string) string {
		args := []string{"commit-tree", "4b825dc642cb6eb9a060e54bf8d69288fbee4904", "-m", msg}
		for _, p := range parents {
			args = append(args, "-p", p)
		}
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		d := fmt.Sprintf("%d +0000", date)
		cmd.Env = append(cmd.Environ(), "GIT_AUTHOR_DATE="+d, "GIT_COMMITTER_DATE="+d)
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(out))
	}
	const t0 = 1700000000
	base := commit(t0, "base")
	x := commit(t0, "x", base)
	// one side: a long run at the same date, then a skewed (older) tip
	a := x
	for i := 0; i < 5; i++ {
		a = commit(t0, fmt.Sprintf("a%d", i), a)
	}
	aSkew := commit(t0-1000, "a-old", a)
	// other side: forks from x, merges a, then moves on
	b := commit(t0+10, "b1", x)
	bMerge := commit(t0+20, "bm", b, a)
	bTip := commit(t0-5000, "b-old", bMerge)

	pairs := [][2]string{{a, x}, {x, a}, {aSkew, bTip}, {bTip, aSkew}, {a, b}, {bMerge, a}, {base, aSkew}, {a, a}}
	for _, p := range pairs {
		ahead, behind, err := r.aheadBehind(ctx, plumbing.NewHash(p[0]), plumbing.NewHash(p[1]))
		if err != nil {
			t.Fatal(err)
		}
		// git's own symmetric walk trusts dates too; count each side
		// with a full walk instead, which dates cannot mislead.
		want := []string{
			strings.TrimSpace(rungit(t, dir, "rev-list", "--count", p[0], "--not", p[1])),
			strings.TrimSpace(rungit(t, dir, "rev-list", "--count", p[1], "--not", p[0])),
		}
		got := []string{fmt.Sprint(ahead), fmt.Sprint(behind)}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s...%s: got ahead/behind %v, git says %v", p[0][:7], p[1][:7], got, want)
		}
	}
}
