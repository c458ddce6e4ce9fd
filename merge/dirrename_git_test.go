package merge

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage/filesystem"

	"easel.dev/easel/internal/gittest"
)

// dirRenameCase builds a base of a few directories and two sides where
// one side moves whole directories (or splits one) and the other adds,
// renames, edits and deletes files inside them: the ground git's
// directory rename detection covers.
func dirRenameCase(r *rand.Rand) (base, ours, theirs snapshot) {
	g := &gen{r: r}
	base = snapshot{}
	dirs := []string{"a", "b", "a/sub", "c"}
	for _, d := range dirs {
		for j := 0; j < 2+r.IntN(3); j++ {
			base[fmt.Sprintf("%s/f%d", d, j)] = genFile{content: g.content(6)}
		}
	}
	moveDir := func(s snapshot, from, to string, share int) {
		for _, p := range s.paths() {
			if dirOf(p) != from && !strings.HasPrefix(p, from+"/") {
				continue
			}
			if r.IntN(share) != 0 {
				continue
			}
			np := to + p[len(from):]
			if to == "" {
				np = p[len(from)+1:]
			}
			if _, taken := s[np]; taken || s.clashes(np) {
				continue
			}
			s[np] = s[p]
			delete(s, p)
		}
	}
	side := func(mover bool) snapshot {
		s := base.clone()
		if mover {
			targets := []string{"x", "y", "b/in", "", "c"}
			for _, d := range []string{"a", "b", "c"} {
				if r.IntN(2) == 0 {
					moveDir(s, d, targets[r.IntN(len(targets))], 1+r.IntN(2))
				}
			}
			if r.IntN(3) == 0 {
				moveDir(s, "a/sub", targets[r.IntN(2)]+"/sub2", 1)
			}
		}
		for k := 0; k < 1+r.IntN(4); k++ {
			ps := s.paths()
			switch r.IntN(5) {
			case 0, 1: // add a file in one of the base directories
				np := fmt.Sprintf("%s/new%d", dirs[r.IntN(len(dirs))], r.IntN(3))
				if _, ok := s[np]; !ok && !s.clashes(np) {
					s[np] = genFile{content: g.content(5)}
				}
			case 2: // rename a file into another base directory
				p := ps[r.IntN(len(ps))]
				np := dirs[r.IntN(len(dirs))] + "/m" + baseName(p)
				if _, ok := s[np]; !ok && !s.clashes(np) {
					s[np] = s[p]
					delete(s, p)
				}
			case 3:
				p := ps[r.IntN(len(ps))]
				s[p] = genFile{content: g.edit(s[p].content)}
			case 4:
				delete(s, ps[r.IntN(len(ps))])
			}
		}
		return s
	}
	moverIsOurs := r.IntN(2) == 0
	ours, theirs = side(moverIsOurs), side(!moverIsOurs)
	return base, ours, theirs
}

// TestAgainstGitDirRenames compares merges with directory renames with
// git merge-tree under each merge.directoryRenames setting: verdict, tree,
// index stages and, for a conflicted merge, the messages (git prints them
// after the stages).
func TestAgainstGitDirRenames(t *testing.T) {
	gittest.Need(t)
	cases := 80
	if testing.Short() {
		cases = 25
	}
	var stream bytes.Buffer
	r := rand.New(rand.NewPCG(11, 6))
	for i := 0; i < cases; i++ {
		base, ours, theirs := dirRenameCase(r)
		m := i * 3
		writeCommit(&stream, fmt.Sprintf("refs/heads/d%d/base", i), m+1, nil, base, 1700000000)
		writeCommit(&stream, fmt.Sprintf("refs/heads/d%d/ours", i), m+2, []int{m + 1}, ours, 1700000100)
		writeCommit(&stream, fmt.Sprintf("refs/heads/d%d/theirs", i), m+3, []int{m + 1}, theirs, 1700000200)
	}
	dir := importHistories(t, stream.Bytes(), true, false)
	st := filesystem.NewStorage(osfs.New(dir), cache.NewObjectLRUDefault())
	ctx := context.Background()
	agree, withDirMsgs, compared := 0, 0, 0
	for i := 0; i < cases; i++ {
		on, tn := fmt.Sprintf("d%d/ours", i), fmt.Sprintf("d%d/theirs", i)
		oh, _ := gittest.Run(t, dir, nil, "rev-parse", on)
		th, _ := gittest.Run(t, dir, nil, "rev-parse", tn)
		for _, mode := range []string{DirRenamesConflict, DirRenamesTrue, DirRenamesFalse} {
			out, code := gittest.Run(t, dir, nil, "-c", "merge.directoryRenames="+mode, "merge-tree", "--write-tree", on, tn)
			if code < 0 {
				continue // git aborted on a rename tangle; no verdict
			}
			if code > 1 {
				t.Fatalf("case %d: git merge-tree: %s", i, out)
			}
			compared++
			gm := parseMergeTree(out, code)
			var gitMsgs []string
			if parts := strings.SplitN(out, "\n\n", 2); len(parts) == 2 {
				for _, l := range strings.Split(strings.TrimSpace(parts[1]), "\n") {
					if l != "" && !strings.HasPrefix(l, "Auto-merging ") {
						gitMsgs = append(gitMsgs, l)
					}
				}
			}
			res, _, err := MergeCommits(ctx, st, plumbing.NewHash(strings.TrimSpace(oh)), plumbing.NewHash(strings.TrimSpace(th)),
				Options{OursName: on, TheirsName: tn, DirRenames: mode})
			if err != nil {
				t.Fatalf("case %d: %v", i, err)
			}
			var msgs []string
			for _, l := range res.Messages {
				if !strings.HasPrefix(l, "Auto-merging ") {
					msgs = append(msgs, l)
				}
			}
			sort.Strings(msgs)
			sort.Strings(gitMsgs)
			// merge-tree prints messages only for a conflicted merge.
			msgsAgree := gm.clean || strings.Join(msgs, "\n") == strings.Join(gitMsgs, "\n")
			for _, l := range msgs {
				if strings.Contains(l, "renamed in") || strings.Contains(l, "implicit dir rename") {
					withDirMsgs++
					break
				}
			}
			if res.Clean == gm.clean && res.Tree.String() == gm.tree &&
				strings.Join(easelStages(res), "\n") == strings.Join(gm.stages, "\n") &&
				msgsAgree {
				agree++
				continue
			}
			t.Errorf("case %d, merge.directoryRenames=%s: git clean=%v tree %s, easel clean=%v tree %s\ngit:\n%s\neasel stages:\n%s\neasel messages:\n%s",
				i, mode, gm.clean, gm.tree, res.Clean, res.Tree, out,
				strings.Join(easelStages(res), "\n"), strings.Join(msgs, "\n"))
		}
	}
	t.Logf("%d merges compared with git merge-tree: %d agree; %d reported a directory rename", compared, agree, withDirMsgs)
	if withDirMsgs < compared/20 {
		t.Errorf("only %d of %d merges moved a file by a directory rename: the generator no longer exercises it", withDirMsgs, compared)
	}
}
