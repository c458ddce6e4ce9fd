package remote

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// Clone and push report their progress, objects and bytes, ending with a
// "done." line, to the writer they are given (the command line gives
// stderr when it is a terminal; clone.txtar checks that it gives nothing
// otherwise).
func TestProgressLines(t *testing.T) {
	needGit(t)
	pinEnv(t)
	ctx := context.Background()
	url, _ := startServer(t, Config{})
	w := newWorkRepo(t, filepath.Join(t.TempDir(), "w"), "a", "b", "c")
	rm := addOrigin(t, w, url+"/p")
	var pushOut bytes.Buffer
	main := plumbing.NewBranchReferenceName("main")
	id, err := w.ResolveRef(main)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Push(ctx, w, rm, client(t, url+"/p", ""), []PushRef{{Local: id, Remote: main}}, Options{Progress: &pushOut}); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`Writing objects: 9 objects, \d+ bytes.*, done\.\n$`).MatchString(pushOut.String()) {
		t.Fatalf("push progress: %q", pushOut.String())
	}
	var cloneOut bytes.Buffer
	if _, err := Clone(ctx, url+"/p", filepath.Join(t.TempDir(), "c"), "", Options{Progress: &cloneOut}); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`Receiving objects: 9 objects, \d+ bytes.*, done\.\n$`).MatchString(cloneOut.String()) {
		t.Fatalf("clone progress: %q", cloneOut.String())
	}
}
