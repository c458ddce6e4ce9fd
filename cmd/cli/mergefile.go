package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"easel.dev/easel/merge/diff3"
	"easel.dev/easel/merge/linediff"
	"easel.dev/easel/repo/lockfile"
)

func init() { register(newMergeFileCmd) }

// merge-file's exit status is the number of conflicts, so its own
// failures use git's codes, which no conflict count can take.
const (
	mergeFileUsage = 129 // git's usage_with_options
	mergeFileError = 255 // git's error() return of -1
	maxXDiffSize   = 1 << 30
)

type mergeFileOptions struct {
	Current, Base, Other string
	Stdout               bool
	Diff3, ZDiff3        bool
	Ours, Theirs, Union  bool
	Labels               []string
	MarkerSize           int
	Quiet                bool
}

func newMergeFileCmd(env *Env) *cobra.Command {
	var o mergeFileOptions
	cmd := &cobra.Command{
		Use:   "merge-file [options] [-L <current-name> [-L <base-name> [-L <other-name>]]] <current> <base> <other>",
		Short: "Three-way merge of one file",
		Long: `Merge the changes that lead from <base> to <other> into <current>, line by
line, as 'git merge-file' does (Myers diff, the same conflict narrowing). The
result replaces <current>, or goes to standard output with -p.

Overlapping changes become conflicts marked with <<<<<<<, ======= and >>>>>>>
(and ||||||| before the base's lines with --diff3 or --zdiff3). The markers are
labelled with the file names, or with the -L labels given in the order
current, base, other. --ours, --theirs and --union resolve conflicts instead.

The exit status is the number of conflicts (at most 127), 0 for a clean merge;
129 means a mistake on the command line, 255 a file that cannot be read or
written or is binary. Without --diff3/--zdiff3, merge.conflictStyle of the
repository around the current directory, if any, chooses the style.`,
		Example: `  easel merge-file README.md README.base README.theirs
  easel merge-file -p --diff3 ours.txt base.txt theirs.txt > merged.txt
  easel merge-file -L mine -L original -L yours -p a.c a.orig.c b.c
  easel merge-file --union CHANGES CHANGES.base CHANGES.other`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 3 {
				return mergeFileUsageError(env, cmd, "need exactly three files: <current> <base> <other>")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Current, o.Base, o.Other = args[0], args[1], args[2]
			if len(o.Labels) > 3 {
				return mergeFileUsageError(env, cmd, "too many labels on the command line")
			}
			return runMergeFile(cmd.Context(), env, o)
		},
	}
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return mergeFileUsageError(env, c, err.Error())
	})
	f := cmd.Flags()
	f.BoolVarP(&o.Stdout, "stdout", "p", false, "write the result to standard output instead of <current>")
	f.BoolVar(&o.Diff3, "diff3", false, "show the base's lines in conflicts")
	f.BoolVar(&o.ZDiff3, "zdiff3", false, "like --diff3, with lines common to both sides moved out of conflicts")
	f.BoolVar(&o.Ours, "ours", false, "resolve conflicts with the current version")
	f.BoolVar(&o.Theirs, "theirs", false, "resolve conflicts with the other version")
	f.BoolVar(&o.Union, "union", false, "resolve conflicts with both versions, current first")
	f.StringArrayVarP(&o.Labels, "label", "L", nil, "label for the markers (repeat: current, base, other)")
	f.IntVar(&o.MarkerSize, "marker-size", 7, "length of the conflict markers")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "print no error messages")
	return cmd
}

// mergeFileUsageError prints the message itself: a usage mistake must
// exit 129 here, since 2 would read as "two conflicts".
func mergeFileUsageError(env *Env, c *cobra.Command, msg string) error {
	fmt.Fprintf(env.IO.Err, "easel: usage: %s\nsee '%s --help'\n", msg, c.CommandPath())
	return &ExitError{Code: mergeFileUsage}
}

func runMergeFile(ctx context.Context, env *Env, o mergeFileOptions) error {
	fail := func(err error) error {
		if o.Quiet {
			return &ExitError{Code: mergeFileError}
		}
		return &ExitError{Code: mergeFileError, Err: err}
	}
	opts := diff3.Options{
		MarkerSize:    o.MarkerSize,
		Algorithm:     linediff.Myers, // git merge-file's default
		AlnumSimplify: true,           // git merge-file's XDL_MERGE_ZEALOUS_ALNUM
	}
	// Like git, flags given later win among the style and favor flags;
	// pflag does not keep the order, so the explicit ones win over config.
	switch {
	case o.ZDiff3:
		opts.Style = diff3.StyleZDiff3
	case o.Diff3:
		opts.Style = diff3.StyleDiff3
	default:
		style, err := configuredConflictStyle(ctx, env)
		if err != nil {
			return fail(err)
		}
		opts.Style = style
	}
	switch {
	case o.Union:
		opts.Favor = diff3.FavorUnion
	case o.Theirs:
		opts.Favor = diff3.FavorTheirs
	case o.Ours:
		opts.Favor = diff3.FavorOurs
	}

	names := []string{o.Current, o.Base, o.Other}
	labels := append([]string(nil), names...)
	copy(labels, o.Labels)
	opts.OursLabel, opts.BaseLabel, opts.TheirsLabel = labels[0], labels[1], labels[2]

	var data [3][]byte
	for i, name := range names {
		b, err := os.ReadFile(mergeFilePath(env, name))
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return fail(fmt.Errorf("could not read %s: %w", name, err))
		}
		if len(b) > maxXDiffSize || isBinaryData(b) {
			return fail(fmt.Errorf("cannot merge binary files: %s", name))
		}
		data[i] = b
	}
	res := diff3.Merge(data[1], data[0], data[2], opts)

	if o.Stdout {
		if _, err := env.IO.Out.Write(res.Content); err != nil {
			return fail(err)
		}
	} else {
		p := mergeFilePath(env, o.Current)
		perm := os.FileMode(0o644)
		if fi, err := os.Stat(p); err == nil {
			perm = fi.Mode().Perm()
		}
		if err := lockfile.WriteFile(p, res.Content, perm); err != nil {
			return fail(fmt.Errorf("could not write %s: %w", o.Current, err))
		}
	}
	if res.Conflicts > 0 {
		return &ExitError{Code: min(res.Conflicts, 127)}
	}
	return nil
}

func mergeFilePath(env *Env, name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(env.Dir, name)
}

// isBinaryData is git's buffer_is_binary: a NUL in the first 8000 bytes.
func isBinaryData(b []byte) bool {
	if len(b) > 8000 {
		b = b[:8000]
	}
	return bytes.IndexByte(b, 0) >= 0
}

// configuredConflictStyle reads merge.conflictStyle when the command runs
// inside a repository, as git merge-file does; outside one it is "merge".
func configuredConflictStyle(ctx context.Context, env *Env) (diff3.Style, error) {
	r, err := env.OpenRepo(ctx)
	if err != nil {
		return diff3.StyleMerge, nil
	}
	v, ok, err := r.ConfigGet("merge.conflictstyle")
	if err != nil || !ok {
		return diff3.StyleMerge, nil
	}
	switch strings.ToLower(v) {
	case "diff3":
		return diff3.StyleDiff3, nil
	case "zdiff3":
		return diff3.StyleZDiff3, nil
	case "merge":
		return diff3.StyleMerge, nil
	}
	return diff3.StyleMerge, fmt.Errorf("unknown style '%s' given for 'merge.conflictstyle'", v)
}
