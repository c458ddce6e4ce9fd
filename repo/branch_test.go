package repo

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"easel.dev/easel/repo/gitobj"
)

func TestBranchLifecycleAgainstGit(t *testing.T) {
	dir := gitRepo(t, `
git init -q -b main .
echo 1 > f; git add f; git commit -qm one
echo 2 > f; git commit -qam two
git branch merged HEAD~1
git checkout -q -b side HEAD~1; echo s > s; git add s; git commit -qm side; git checkout -q main
git pack-refs --all
`)
	ctx := context.Background()
	r, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	names := func() []string {
		bs, err := r.Branches(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, b := range bs {
			n := b.Name
			if b.Current {
				n = "*" + n
			}
			out = append(out, n)
		}
		return out
	}
	if got := strings.Join(names(), " "); got != "*main merged side" {
		t.Fatalf("branches: %s", got)
	}
	head, _ := r.Head()
	if err := r.CreateBranch(ctx, "feature", head, false); err != nil {
		t.Fatal(err)
	}
	if got := revParse(t, dir, "refs/heads/feature"); got != head.String() {
		t.Fatalf("git sees feature at %q", got)
	}
	if err := r.CreateBranch(ctx, "feature", head, false); !errors.Is(err, ErrAlreadyExists) {
		t.Fatalf("creating an existing branch: %v", err)
	}
	if err := r.CreateBranch(ctx, "bad..name", head, false); !errors.Is(err, ErrInvalidRefName) {
		t.Fatalf("bad name: %v", err)
	}
	// A packed branch whose commits HEAD lacks is refused by -d, taken by -D.
	if _, err := r.DeleteBranch(ctx, "side", false); !errors.Is(err, ErrNotMerged) {
		t.Fatalf("deleting unmerged side: %v", err)
	}
	if revParse(t, dir, "refs/heads/side") == "" {
		t.Fatal("refused delete removed the branch")
	}
	if _, err := r.DeleteBranch(ctx, "merged", false); err != nil {
		t.Fatalf("deleting merged branch: %v", err)
	}
	if _, err := r.DeleteBranch(ctx, "side", true); err != nil {
		t.Fatal(err)
	}
	if _, err := r.DeleteBranch(ctx, "main", true); err == nil {
		t.Fatal("deleted the current branch")
	}
	out, _ := exec.Command("git", "-C", dir, "branch", "--format=%(refname:short)").Output()
	if got := strings.Fields(string(out)); strings.Join(got, " ") != "feature main" {
		t.Fatalf("git lists %v after deletes", got)
	}
	// Renaming the current branch moves HEAD with it.
	if err := r.RenameBranch(ctx, "main", "trunk", false); err != nil {
		t.Fatal(err)
	}
	out, _ = exec.Command("git", "-C", dir, "symbolic-ref", "HEAD").Output()
	if strings.TrimSpace(string(out)) != "refs/heads/trunk" {
		t.Fatalf("HEAD is %q after rename", out)
	}
	if revParse(t, dir, "refs/heads/main") != "" || revParse(t, dir, "refs/heads/trunk") != head.String() {
		t.Fatal("rename did not move the ref")
	}
	if err := r.RenameBranch(ctx, "feature", "trunk", false); !errors.Is(err, ErrAlreadyExists) {
		t.Fatalf("rename onto existing: %v", err)
	}
	if out, err := exec.Command("git", "-C", dir, "fsck", "--strict").CombinedOutput(); err != nil {
		t.Fatalf("fsck: %v\n%s", err, out)
	}
}

func TestAnnotatedTagPassesFsck(t *testing.T) {
	dir := gitRepo(t, `
git init -q -b main .
echo 1 > f; git add f; git commit -qm one
`)
	ctx := context.Background()
	r, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	head, _ := r.Head()
	tagger := &gitobj.Signature{Name: "T Agger", Email: "t@example.com", When: time.Unix(1700000000, 0).In(time.FixedZone("", 5400))}
	id, err := r.CreateTag(ctx, TagOptions{Name: "v1", Target: head, Annotated: true, Message: "  release one  \n\n\n", Tagger: tagger})
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("git", "-C", dir, "fsck", "--strict").CombinedOutput(); err != nil {
		t.Fatalf("fsck --strict: %v\n%s", err, out)
	}
	out, err := exec.Command("git", "-C", dir, "cat-file", "tag", "v1").Output()
	if err != nil {
		t.Fatal(err)
	}
	want := "object " + head.String() + "\ntype commit\ntag v1\ntagger T Agger <t@example.com> 1700000000 +0130\n\n  release one\n"
	if string(out) != want {
		t.Fatalf("tag object:\n%q\nwant\n%q", out, want)
	}
	if got := revParse(t, dir, "v1^{commit}"); got != head.String() {
		t.Fatalf("v1 peels to %s", got)
	}
	if revParse(t, dir, "refs/tags/v1") != id.String() {
		t.Fatal("ref does not point at the tag object")
	}
	if _, err := r.CreateTag(ctx, TagOptions{Name: "v1", Target: head}); !errors.Is(err, ErrAlreadyExists) {
		t.Fatalf("second v1: %v", err)
	}
	if _, err := r.CreateTag(ctx, TagOptions{Name: "light", Target: head}); err != nil {
		t.Fatal(err)
	}
	tags, err := r.Tags(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(tags) != 2 || tags[0].Name != "light" || tags[0].Annotated || !tags[1].Annotated || tags[1].Target != head.String() {
		t.Fatalf("tags: %+v", tags)
	}
	if _, err := r.DeleteTag(ctx, "v1"); err != nil {
		t.Fatal(err)
	}
	if revParse(t, dir, "refs/tags/v1") != "" {
		t.Fatal("v1 still there")
	}
	if _, err := r.DeleteTag(ctx, "v1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleting a missing tag: %v", err)
	}
}
