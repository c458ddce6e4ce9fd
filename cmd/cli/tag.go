package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
)

func init() { register(newTagCmd) }

type tagOptions struct {
	Args      []string
	Annotated bool
	Message   []string
	Delete    bool
	Force     bool
	List      bool
	JSON      bool
	Lines     int
	Contains  string
	PointsAt  string
	Merged    string
	NoMerged  string
}

func newTagCmd(env *Env) *cobra.Command {
	var o tagOptions
	cmd := &cobra.Command{
		Use:   "tag [<name> [<revision>]]",
		Short: "List, create or delete tags",
		Long: `With no arguments, list tags by name. With a name, create a lightweight tag
(a ref to <revision>, default HEAD). -a or -m create an annotated tag: a tag
object recording the tagger (GIT_COMMITTER_NAME/EMAIL/DATE or user.name and
user.email) and a message. -d deletes tags.

-l lists the tags matching any of the patterns given (git's glob patterns:
'*' and '?' match '/' too). -n<num> shows the first <num> lines of each
annotation (default 1; a lightweight tag shows its commit's message).
--contains <commit> lists the tags whose commits contain <commit>,
--points-at <object> those naming <object> (directly or through a tag object),
--merged/--no-merged <commit> those whose commits <commit> does/does not
contain. Each of these lists, with the names as patterns.`,
		Example: `  easel tag
  easel tag -l 'v1.*'
  easel tag -n
  easel tag -n3 -l 'v2*'
  easel tag --contains 3f2a9c1
  easel tag --points-at HEAD
  easel tag v1.0
  easel tag -a v1.1 -m "release 1.1"
  easel tag -a v1.0.1 -m "fix release" 3f2a9c1
  easel tag -d v1.0
  easel tag --json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Args = args
			return runTag(cmd.Context(), env, o)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.Annotated, "annotate", "a", false, "make an annotated tag object")
	f.StringArrayVarP(&o.Message, "message", "m", nil, "tag message (implies -a; repeat for paragraphs)")
	f.BoolVarP(&o.Delete, "delete", "d", false, "delete the named tags")
	f.BoolVarP(&o.Force, "force", "f", false, "replace an existing tag")
	f.BoolVarP(&o.List, "list", "l", false, "list tags (the default without a name)")
	f.BoolVar(&o.JSON, "json", false, "list tags as JSON")
	f.IntVarP(&o.Lines, "lines", "n", -1, "list with the first `<num>` lines of each annotation (-n<num>)")
	f.Lookup("lines").NoOptDefVal = "1"
	f.StringVar(&o.Contains, "contains", "", "list only tags that contain `<commit>` (default HEAD)")
	f.StringVar(&o.PointsAt, "points-at", "", "list only tags naming `<object>` (default HEAD)")
	f.StringVar(&o.Merged, "merged", "", "list only tags whose commits `<commit>` contains (default HEAD)")
	f.StringVar(&o.NoMerged, "no-merged", "", "list only tags whose commits `<commit>` does not contain (default HEAD)")
	for _, name := range []string{"contains", "points-at", "merged", "no-merged"} {
		f.Lookup(name).NoOptDefVal = "HEAD"
	}
	return cmd
}

func runTag(ctx context.Context, env *Env, o tagOptions) error {
	r, err := env.OpenRepo(ctx)
	if err != nil {
		return err
	}
	if o.Delete {
		if len(o.Args) == 0 {
			return &UsageError{Msg: "tag -d needs a tag name"}
		}
		ab := r.NewAbbreviator()
		for _, name := range o.Args {
			h, err := r.DeleteTag(ctx, name)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.IO.Out, "Deleted tag '%s' (was %s)\n", name, ab.ShortID(h))
		}
		return nil
	}
	filtered := o.Contains != "" || o.PointsAt != "" || o.Merged != "" || o.NoMerged != ""
	if len(o.Args) == 0 || o.List || o.Lines >= 0 || filtered {
		return listTags(ctx, env, r, o)
	}
	if len(o.Args) > 2 {
		return &UsageError{Msg: "too many arguments: tag <name> [<revision>]"}
	}
	rev := "HEAD"
	if len(o.Args) == 2 {
		rev = o.Args[1]
	}
	target, err := r.ResolveRevision(ctx, rev)
	if err != nil {
		return err
	}
	annotated := o.Annotated || len(o.Message) > 0
	if annotated && len(o.Message) == 0 {
		return &UsageError{Msg: "an annotated tag needs a message: -m <message>"}
	}
	_, err = r.CreateTag(ctx, repo.TagOptions{
		Name: o.Args[0], Target: target, Annotated: annotated,
		Message: strings.Join(o.Message, "\n\n"), Force: o.Force,
	})
	return err
}

// listTags prints the tags matching the options, as git tag -l does.
func listTags(ctx context.Context, env *Env, r *repo.Repository, o tagOptions) error {
	filter := repo.RefFilter{Patterns: o.Args}
	for _, c := range []struct {
		rev    string
		to     *plumbing.Hash
		commit bool
	}{{o.Contains, &filter.Contains, true}, {o.Merged, &filter.Merged, true}, {o.NoMerged, &filter.NoMerged, true}, {o.PointsAt, &filter.PointsAt, false}} {
		if c.rev == "" {
			continue
		}
		resolve := r.ResolveRevision
		if c.commit {
			resolve = r.ResolveCommit
		}
		h, err := resolve(ctx, c.rev)
		if err != nil {
			return err
		}
		*c.to = h
	}
	tags, err := r.ListTags(ctx, filter)
	if err != nil {
		return err
	}
	if o.JSON {
		return writeJSON(env.IO.Out, tags)
	}
	var sb strings.Builder
	for _, t := range tags {
		if o.Lines <= 0 {
			sb.WriteString(t.Name + "\n")
			continue
		}
		lines, err := r.AnnotationLines(t.Hash, o.Lines)
		if err != nil {
			return err
		}
		// git's "%(align:15)%(refname:lstrip=2)%(end) %(contents:lines=N)".
		fmt.Fprintf(&sb, "%-15s %s\n", t.Name, strings.Join(lines, "\n    "))
	}
	_, err = fmt.Fprint(env.IO.Out, sb.String())
	return err
}
