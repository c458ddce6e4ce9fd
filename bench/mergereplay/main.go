// Command mergereplay merges commit pairs again with easel's merge engine
// over a repository's object database, for bench/mergereplay.sh: with two
// commit arguments it merges that pair; with none it reads one pair per
// line from standard input. For each pair it prints the merged tree and
// whether the merge was clean, and at the end the time spent merging on
// standard error.
package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/merge"
	"easel.dev/easel/repo"
)

func main() {
	if len(os.Args) != 2 && len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: mergereplay <repository> [<ours> <theirs>]")
		os.Exit(2)
	}
	if p := os.Getenv("EASEL_CPUPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	ctx := context.Background()
	r, err := repo.Open(ctx, os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "mergereplay:", err)
		os.Exit(1)
	}
	var pairs [][2]string
	if len(os.Args) == 4 {
		pairs = append(pairs, [2]string{os.Args[2], os.Args[3]})
	} else {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) == 2 {
				pairs = append(pairs, [2]string{f[0], f[1]})
			}
		}
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	var spent time.Duration
	for _, p := range pairs {
		start := time.Now()
		res, _, err := merge.MergeCommits(ctx, r.Storer, plumbing.NewHash(p[0]), plumbing.NewHash(p[1]),
			merge.Options{OursName: p[0], TheirsName: p[1]}) // conflict markers name the sides as given, as git merge-tree's do
		spent += time.Since(start)
		if err != nil {
			fmt.Fprintf(os.Stderr, "mergereplay: %s %s: %v\n", p[0], p[1], err)
			out.Flush()
			os.Exit(1)
		}
		fmt.Fprintf(out, "%s %v\n", res.Tree, res.Clean)
	}
	fmt.Fprintf(os.Stderr, "merged %d pairs in %s\n", len(pairs), spent.Round(time.Millisecond))
}
