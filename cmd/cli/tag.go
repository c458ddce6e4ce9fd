package cli

import (
	"context"
	"fmt"
	"strings"

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
}

func newTagCmd(env *Env) *cobra.Command {
	var o tagOptions
	cmd := &cobra.Command{
		Use:   "tag [<name> [<revision>]]",
		Short: "List, create or delete tags",
		Long: `With no arguments, list tags by name. With a name, create a lightweight tag
(a ref to <revision>, default HEAD). -a or -m create an annotated tag: a tag
object recording the tagger (GIT_COMMITTER_NAME/EMAIL/DATE or user.name and
user.email) and a message. -d deletes tags.`,
		Example: `  easel tag
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
	if len(o.Args) == 0 || o.List {
		tags, err := r.Tags(ctx)
		if err != nil {
			return err
		}
		if o.JSON {
			return writeJSON(env.IO.Out, tags)
		}
		var sb strings.Builder
		for _, t := range tags {
			sb.WriteString(t.Name + "\n")
		}
		_, err = fmt.Fprint(env.IO.Out, sb.String())
		return err
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
