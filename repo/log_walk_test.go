package repo

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// TestWalkLogMatchesGit runs log's whole walk (where it starts, ref globs,
// --all, the filter, --no-walk, --reverse, -n, --source names) and
// compares the commits, and the names --source gives them, with git log's.
// The names are compared only where the walk shows every commit it goes
// through: easel passes them on over the commits shown, git over all.
func TestWalkLogMatchesGit(t *testing.T) {
	dir := gitRepo(t, historyScript+`
git tag v1 main~2
git tag -a -m annotated v2 b2
git tag v2.1 b3
git update-ref refs/remotes/origin/main side
git update-ref refs/other/x main~1
`)
	ctx := context.Background()
	r, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args  []string // git log's
		start LogStart
		walk  LogWalkOptions
		flt   LogFilterOptions
		// hides: commits are walked but not shown (see above).
		hides bool
	}{
		{args: nil},
		{args: []string{"--branches"}, start: LogStart{RefGlobs: []RefGlob{{"refs/heads/", ""}}}},
		{args: []string{"--tags=v2*"}, start: LogStart{RefGlobs: []RefGlob{{"refs/tags/", "v2*"}}}},
		{args: []string{"--remotes"}, start: LogStart{RefGlobs: []RefGlob{{"refs/remotes/", ""}}}},
		{args: []string{"--glob=other"}, start: LogStart{RefGlobs: []RefGlob{{"refs/", "other"}}}},
		{args: []string{"--tags=nothing"}, start: LogStart{RefGlobs: []RefGlob{{"refs/tags/", "nothing"}}}},
		{args: []string{"--all"}, start: LogStart{All: true}},
		{args: []string{"b2", "--all"}, start: LogStart{Revs: []string{"b2"}, All: true}},
		{args: []string{"--default", "side"}, start: LogStart{Default: "side"}},
		{args: []string{"--ignore-missing", "nosuch", "b3"}, start: LogStart{Revs: []string{"nosuch", "b3"}, IgnoreMissing: true}},
		{args: []string{"--ignore-missing", "nosuch"}, start: LogStart{Revs: []string{"nosuch"}, IgnoreMissing: true}},
		{args: []string{"--no-walk", "--tags"}, start: LogStart{RefGlobs: []RefGlob{{"refs/tags/", ""}}}, walk: LogWalkOptions{NoWalk: "sorted"}},
		{args: []string{"--no-walk=unsorted", "b3", "side", "b2"}, start: LogStart{Revs: []string{"b3", "side", "b2"}}, walk: LogWalkOptions{NoWalk: "unsorted"}},
		{args: []string{"--reverse", "-n", "4", "--all"}, start: LogStart{All: true}, walk: LogWalkOptions{Reverse: true, Max: 4}, hides: true},
		{args: []string{"-n", "3", "main~1...b2"}, start: LogStart{Revs: []string{"main~1...b2"}}, walk: LogWalkOptions{Max: 3}},
		{args: []string{"--first-parent", "--merges", "--all"}, start: LogStart{All: true}, walk: LogWalkOptions{FirstParent: true}, flt: LogFilterOptions{Merges: true}, hides: true},
		{args: []string{"--grep=^main", "--until=@1700000400"}, flt: LogFilterOptions{Greps: []string{"^main"}, Until: "@1700000400"}, hides: true},
		{args: []string{"--since=@1700000300", "--topo-order"}, walk: LogWalkOptions{Topo: true}, flt: LogFilterOptions{Since: "@1700000300"}},
		{args: []string{"--simplify-by-decoration", "--all"}, start: LogStart{All: true}, walk: LogWalkOptions{SimplifyByDecoration: true}, hides: true},
	}
	for _, tc := range cases {
		s := tc.start
		if s.Revs == nil {
			for _, a := range tc.args {
				if !strings.HasPrefix(a, "-") && (len(tc.walk.NoWalk) > 0 || strings.Contains(a, ".")) {
					s.Revs = append(s.Revs, a)
				}
			}
		}
		if err := r.ResolveLogStart(ctx, &s); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		filter, since, err := NewLogFilter(tc.flt, PatternBasic, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		o := tc.walk
		if o.Max == 0 {
			o.Max = -1
		}
		o.Filter, o.Since = filter, since
		var got []string
		if !s.Empty {
			it, err := r.WalkLog(ctx, &s, o)
			if err != nil {
				t.Fatalf("%v: %v", tc.args, err)
			}
			if err := it.TrackSources(ctx, &s); err != nil {
				t.Fatalf("%v: %v", tc.args, err)
			}
			for {
				c, err := it.Next(ctx)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				line := c.Hash.String()
				if !tc.hides {
					line += " " + it.Source()
				}
				got = append(got, line)
			}
		}
		format := "--format=%H %S"
		if tc.hides {
			format = "--format=%H"
		}
		want := gitLines(t, dir, append([]string{"log", format}, tc.args...)...)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("git log %v: differs from git\n got %q\nwant %q", tc.args, got, want)
		}
	}
}
