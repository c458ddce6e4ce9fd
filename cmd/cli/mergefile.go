package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"easel.dev/easel/merge/diff3"
	"easel.dev/easel/merge/linediff"
	"easel.dev/easel/repo/lockfile"
)

func init() { register(newMergeFileCmd) }

type mergeFileOptions struct {
	Current, Base, Other string // as given on the command line
	Stdout               bool
	Style                diff3.Style
	Favor                diff3.Favor
	Labels               []string
	MarkerSize           int
	Quiet                bool
}

func newMergeFileCmd(env *Env) *cobra.Command {
	var o mergeFileOptions
	var diff3Style, zdiff3, ours, theirs, union bool
	cmd := &cobra.Command{
		Use:   "merge-file [options] [-L <current-name> [-L <base-name> [-L <other-name>]]] <current> <base> <other>",
		Short: "Three-way merge of three files",
		Long: `Merge into <current> the changes that lead from <base> to <other>, as git merge-file does:
the result replaces <current> (or goes to standard output with -p), conflicts are marked
with <<<<<<<, ======= and >>>>>>> lines, and the exit status is the number of conflicts
(at most 127). Labels on the markers default to the file names.`,
		Example: `  easel merge-file mine.txt orig.txt yours.txt
  easel merge-file -p --diff3 -L ours -L base -L theirs a.c base.c b.c > merged.c
  easel merge-file --union CHANGES.old CHANGES.base CHANGES.new`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 3 {
				return &UsageError{Msg: "merge-file needs <current> <base> <other>"}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Current, o.Base, o.Other = args[0], args[1], args[2]
			if len(o.Labels) > 3 {
				return &UsageError{Msg: "merge-file: at most three -L labels"}
			}
			switch {
			case zdiff3:
				o.Style = diff3.StyleZDiff3
			case diff3Style:
				o.Style = diff3.StyleDiff3
			}
			switch {
			case union:
				o.Favor = diff3.FavorUnion
			case theirs:
				o.Favor = diff3.FavorTheirs
			case ours:
				o.Favor = diff3.FavorOurs
			}
			return runMergeFile(cmd.Context(), env, o)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.Stdout, "stdout", "p", false, "print the result instead of overwriting <current>")
	f.BoolVar(&diff3Style, "diff3", false, "also show the base version inside conflicts")
	f.BoolVar(&zdiff3, "zdiff3", false, "like --diff3, with lines common to both sides moved out of conflicts")
	f.BoolVar(&ours, "ours", false, "resolve conflicts by taking our side")
	f.BoolVar(&theirs, "theirs", false, "resolve conflicts by taking their side")
	f.BoolVar(&union, "union", false, "resolve conflicts by taking both sides")
	f.StringArrayVarP(&o.Labels, "label", "L", nil, "label for the markers (current, then base, then other)")
	f.IntVar(&o.MarkerSize, "marker-size", 7, "length of the conflict markers")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "do not warn about conflicts")
	return cmd
}

// binaryPrefix is how much of a file is searched for a NUL byte, as git
// does to call a file binary.
const binaryPrefix = 8000

func runMergeFile(ctx context.Context, env *Env, o mergeFileOptions) error {
	names := []string{o.Current, o.Base, o.Other}
	var data [3][]byte
	for i, n := range names {
		p := n
		if !filepath.IsAbs(p) {
			p = filepath.Join(env.Dir, p)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("merge-file: cannot read %s: %w", n, err)
		}
		if bytes.IndexByte(b[:min(len(b), binaryPrefix)], 0) >= 0 {
			return fmt.Errorf("merge-file: cannot merge binary files: %s", n)
		}
		data[i] = b
	}
	labels := append([]string(nil), o.Labels...)
	for len(labels) < 3 {
		labels = append(labels, names[len(labels)])
	}
	res := diff3.Merge(data[1], data[0], data[2], diff3.Options{
		Style:       o.Style,
		Favor:       o.Favor,
		OursLabel:   labels[0],
		BaseLabel:   labels[1],
		TheirsLabel: labels[2],
		MarkerSize:  o.MarkerSize,
		// git merge-file diffs with Myers and simplifies conflicts at its
		// ZEALOUS_ALNUM level.
		Algorithm:     linediff.Myers,
		AlnumSimplify: true,
	})
	if o.Stdout {
		if _, err := env.IO.Out.Write(res.Content); err != nil {
			return err
		}
	} else {
		p := o.Current
		if !filepath.IsAbs(p) {
			p = filepath.Join(env.Dir, p)
		}
		perm := os.FileMode(0o644)
		if fi, err := os.Stat(p); err == nil {
			perm = fi.Mode().Perm()
		}
		if err := lockfile.WriteFile(p, res.Content, perm); err != nil {
			return fmt.Errorf("merge-file: %w", err)
		}
	}
	if res.Conflicts > 0 {
		return &ExitError{Code: min(res.Conflicts, 127)}
	}
	return nil
}
