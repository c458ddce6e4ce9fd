package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
)

func init() { register(newDescribeCmd) }

type describeOptions struct {
	Revs       []string
	Tags       bool
	Always     bool
	Dirty      string
	Abbrev     int
	Candidates int
}

func newDescribeCmd(env *Env) *cobra.Command {
	o := describeOptions{Abbrev: -1}
	cmd := &cobra.Command{
		Use:   "describe [options] [<commit>...]",
		Short: "Name a commit after the nearest tag",
		Long: `Describe names a commit (default HEAD) as git describe does: the tag itself
when it is tagged, else <tag>-<n>-g<id>, <n> being the commits since the tag,
found with git's walk (the nearest of up to --candidates tags reachable).
Only annotated tags count unless --tags. --always falls back to the
abbreviated id when no tag describes the commit; --dirty appends -dirty
(or the mark given) when tracked files differ from HEAD.`,
		Example: `  easel describe
  easel describe --tags --always --dirty
  easel describe --abbrev=12 v1.0~3
  easel describe --abbrev=0 --tags      # the tag name alone`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Revs = args
			if cmd.Flags().Changed("dirty") && len(o.Revs) > 0 {
				return &UsageError{Msg: "--dirty is incompatible with commit-ishes"}
			}
			return runDescribe(cmd.Context(), env, o, cmd.Flags().Changed("dirty"))
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.Tags, "tags", false, "lightweight tags count too")
	f.BoolVar(&o.Always, "always", false, "the abbreviated id when no tag describes the commit")
	f.StringVar(&o.Dirty, "dirty", "", "append -dirty (or this mark) when the work tree has changes")
	f.Lookup("dirty").NoOptDefVal = "-dirty"
	f.IntVar(&o.Abbrev, "abbrev", -1, "hex digits of the id (0: the tag name alone)")
	f.IntVar(&o.Candidates, "candidates", 10, "how many tags to consider")
	return cmd
}

func runDescribe(ctx context.Context, env *Env, o describeOptions, dirty bool) error {
	r, err := env.OpenRepo(ctx)
	if err != nil {
		return err
	}
	revs := o.Revs
	if len(revs) == 0 {
		revs = []string{"HEAD"}
	}
	suffix := ""
	if dirty {
		st, err := r.Status(ctx, repo.StatusOptions{Untracked: repo.UntrackedNo})
		if err != nil {
			return err
		}
		if !st.Clean() {
			suffix = o.Dirty
		}
	}
	ab := r.NewAbbreviator()
	for _, rev := range revs {
		h, err := r.ResolveCommit(ctx, rev)
		if err != nil {
			return err
		}
		d, err := r.Describe(ctx, h, repo.DescribeOptions{Tags: o.Tags, Candidates: o.Candidates})
		switch {
		case errors.Is(err, repo.ErrNoTags) && o.Always:
			fmt.Fprintln(env.IO.Out, ab.Short(h, max(o.Abbrev, 0))+suffix)
			continue
		case errors.Is(err, repo.ErrNoTags):
			return fmt.Errorf("no names found, cannot describe %s (--tags counts lightweight tags, --always falls back to the id): %w", rev, repo.ErrUnknownRevision)
		case err != nil:
			return err
		}
		name := d.Tag
		if d.Depth > 0 && o.Abbrev != 0 {
			name = d.String(ab.Short(h, max(o.Abbrev, 0)))
		}
		fmt.Fprintln(env.IO.Out, name+suffix)
	}
	return nil
}
