package cli

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"

	"easel.dev/easel/repo/fsck"
	"easel.dev/easel/repo/treecheck"
)

func init() { register(newFsckCmd) }

func newFsckCmd(env *Env) *cobra.Command {
	var o fsck.Options
	var full, reflogs, progress, nameObjects, verbose bool
	cmd := &cobra.Command{
		Use:   "fsck [--strict] [--full] [--connectivity-only] [--no-dangling] [--unreachable] [<object>...]",
		Short: "Check the objects and refs of the repository",
		Long: `Check the repository as git fsck does: every object's hash and format, the
packs' checksums, the refs, and that every object reachable from the refs, the
HEAD, reflog and index of every work tree is present. Problems are printed with
git's messages ("missing blob <id>", "broken link from tree <id> to blob <id>",
"error in tree <id>: badFilemode: ...", "dangling commit <id>").

The exit status is git's: a sum of 1 (an object is corrupt or malformed),
2 (something reachable is missing), 4 (a pack is corrupt), 8 (a ref is bad),
16 (the commit-graph is bad); 0 when nothing is wrong.`,
		Example: `  easel fsck
  easel fsck --strict --no-dangling
  easel fsck --unreachable
  easel fsck --connectivity-only main`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.NoFull = !full
			o.NoReflogs = !reflogs
			return runFsck(cmd, env, o, args)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.Policy.Strict, "strict", false, "treat warnings git's --strict treats as errors as errors")
	f.BoolVar(&full, "full", true, "check packed objects too")
	f.BoolVar(&o.ConnectivityOnly, "connectivity-only", false, "check only that reachable objects exist")
	f.BoolVar(&o.NoDangling, "no-dangling", false, "do not print dangling objects")
	dangling := f.Bool("dangling", true, "print dangling objects")
	f.BoolVar(&o.Unreachable, "unreachable", false, "print objects that exist but are not reachable")
	f.BoolVar(&o.Root, "root", false, "print root commits")
	f.BoolVar(&o.Tags, "tags", false, "print tags")
	f.BoolVar(&o.Cache, "cache", false, "count the index as a head even when objects are given")
	f.BoolVar(&reflogs, "reflogs", true, "count reflog entries as heads")
	f.BoolVar(&nameObjects, "name-objects", false, "accepted for git compatibility; objects are named by id")
	f.BoolVar(&progress, "progress", false, "accepted for git compatibility")
	f.BoolVarP(&verbose, "verbose", "v", false, "accepted for git compatibility")
	cmd.PreRun = func(cmd *cobra.Command, args []string) {
		if cmd.Flags().Changed("dangling") {
			o.NoDangling = !*dangling
		}
	}
	return cmd
}

func runFsck(cmd *cobra.Command, env *Env, o fsck.Options, args []string) error {
	ctx := cmd.Context()
	r, err := env.OpenRepo(ctx)
	if err != nil {
		return err
	}
	vals, _ := r.ConfigValues()
	for _, v := range vals {
		key := strings.ToLower(v.Key)
		id, ok := strings.CutPrefix(key, "fsck.")
		if !ok || id == "skiplist" {
			continue
		}
		if sev, ok := treecheck.ParseSeverity(v.Value); ok {
			if o.Policy.Overrides == nil {
				o.Policy.Overrides = map[string]treecheck.Severity{}
			}
			o.Policy.Overrides[id] = sev
		}
	}
	out := bufio.NewWriter(env.IO.Out)
	defer out.Flush()
	for _, a := range args {
		id, err := r.ResolveRevision(ctx, a)
		if err != nil {
			out.Flush()
			fmt.Fprintf(env.IO.Err, "error: invalid parameter: expected sha1, got '%s'\n", a)
			continue
		}
		o.Heads = append(o.Heads, id)
	}
	if len(args) > 0 && len(o.Heads) == 0 {
		o.Heads = []plumbing.Hash{}
	}
	c := &fsck.Checker{DB: r.Objects, Common: r.GitDir, Opt: o, Out: out, Err: &flushFirst{out, env.IO.Err}}
	bits, err := c.Run()
	if err != nil {
		return err
	}
	if bits != 0 {
		out.Flush()
		return &ExitError{Code: bits}
	}
	return nil
}

// flushFirst writes to err after flushing out, so that messages on both
// streams keep the order they were produced in.
type flushFirst struct {
	out *bufio.Writer
	err io.Writer
}

func (f *flushFirst) Write(p []byte) (int, error) {
	f.out.Flush()
	return f.err.Write(p)
}
