package repo

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/gitobj"
)

// Commits make the same change, or not, exactly when git patch-id says
// so: the same edit at other line numbers, or with other whitespace, is
// the same patch; another edit or another file is not. rebase drops
// commits by this comparison.
func TestPatchIDClassesAsGit(t *testing.T) {
	needGit(t)
	gitEnv(t)
	ctx := context.Background()
	r, dir := initRepo(t)
	var lines []string
	for i := 0; i < 30; i++ {
		lines = append(lines, "line "+string(rune('a'+i%26)))
	}
	base := strings.Join(lines, "\n") + "\n"
	edit := func(s string, at int, to string) string {
		l := strings.Split(s, "\n")
		l[at] = to
		return strings.Join(l, "\n")
	}
	writeFiles(t, dir, map[string]string{"f": base, "g": base})
	commitAll(t, r, "base")
	commits := map[string]plumbing.Hash{}
	branch := func(name string, files map[string]string) {
		rungit(t, dir, "checkout", "-q", "-B", "b-"+name, "main")
		writeFiles(t, dir, files)
		commits[name] = commitAll(t, r, name)
	}
	shifted := "new 1\nnew 2\nnew 3\n" + base
	branch("change", map[string]string{"f": edit(base, 10, "changed")})
	branch("same", map[string]string{"f": edit(base, 10, "changed")})
	branch("spaces", map[string]string{"f": edit(base, 10, "  chan ged\t")})
	branch("other", map[string]string{"f": edit(base, 10, "different")})
	branch("otherfile", map[string]string{"g": edit(base, 10, "changed")})
	// The same edit on a file whose start moved: first the move, then
	// the edit, whose hunk has other line numbers and the same context.
	rungit(t, dir, "checkout", "-q", "-B", "b-moved", "main")
	writeFiles(t, dir, map[string]string{"f": shifted})
	commitAll(t, r, "move")
	writeFiles(t, dir, map[string]string{"f": edit(shifted, 13, "changed")})
	commits["moved"] = commitAll(t, r, "moved")

	gitID := map[string]string{}
	easelID := map[string]plumbing.Hash{}
	for name, h := range commits {
		show := exec.Command("git", "show", h.String())
		show.Dir = dir
		pid := exec.Command("git", "patch-id", "--stable")
		pid.Dir = dir
		pipe, _ := show.StdoutPipe()
		pid.Stdin = pipe
		if err := show.Start(); err != nil {
			t.Fatal(err)
		}
		out, err := pid.Output()
		if err != nil {
			t.Fatal(err)
		}
		show.Wait()
		gitID[name] = strings.Fields(string(out))[0]
		c, err := gitobj.GetCommit(r.Storer, h)
		if err != nil {
			t.Fatal(err)
		}
		id, ok, err := r.patchID(ctx, c)
		if err != nil || !ok {
			t.Fatalf("%s: patch id: %v %v", name, ok, err)
		}
		easelID[name] = id
	}
	if gitID["change"] != gitID["moved"] || gitID["change"] != gitID["spaces"] || gitID["change"] == gitID["other"] {
		t.Fatalf("unexpected git patch ids %v: the test's premise changed", gitID)
	}
	for a := range commits {
		for b := range commits {
			if (gitID[a] == gitID[b]) != (easelID[a] == easelID[b]) {
				t.Errorf("%s and %s: git says same=%v, easel same=%v", a, b, gitID[a] == gitID[b], easelID[a] == easelID[b])
			}
		}
	}
}
