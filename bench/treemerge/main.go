// Command treemerge times easel's tree merge of two commits of a git
// repository, for bench/treemerge.sh: it prints the merged tree id and
// whether the merge was clean.
package main

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"time"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage/filesystem"

	"easel.dev/easel/merge"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: treemerge <git-dir> <ours-commit> <theirs-commit>")
		os.Exit(2)
	}
	if p := os.Getenv("EASEL_CPUPROFILE"); p != "" {
		f, err := os.Create(p)
		if err == nil {
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	st := filesystem.NewStorageWithOptions(osfs.New(os.Args[1]), cache.NewObjectLRUDefault(), filesystem.Options{KeepDescriptors: true})
	start := time.Now()
	res, _, err := merge.MergeCommits(context.Background(), st,
		plumbing.NewHash(os.Args[2]), plumbing.NewHash(os.Args[3]),
		merge.Options{OursName: "HEAD", TheirsName: "theirs"})
	// EASEL_REPEAT=n repeats the merge (for profiles).
	if n, _ := strconv.Atoi(os.Getenv("EASEL_REPEAT")); n > 1 {
		for i := 1; i < n && err == nil; i++ {
			st = filesystem.NewStorageWithOptions(osfs.New(os.Args[1]), cache.NewObjectLRUDefault(), filesystem.Options{KeepDescriptors: true})
			res, _, err = merge.MergeCommits(context.Background(), st,
				plumbing.NewHash(os.Args[2]), plumbing.NewHash(os.Args[3]),
				merge.Options{OursName: "HEAD", TheirsName: "theirs"})
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "treemerge:", err)
		os.Exit(1)
	}
	elapsed := time.Since(start).Round(time.Millisecond)
	defer fmt.Printf("%s clean=%v conflicts=%d in %s\n", res.Tree, res.Clean, len(res.Conflicts), elapsed)
}
