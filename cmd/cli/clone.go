package cli

import (
	"context"
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"easel.dev/easel/remote"
	"easel.dev/easel/repo"
)

func init() { register(newCloneCmd) }

type cloneOptions struct {
	URL    string
	Dir    string
	Branch string
	Origin string
	Quiet  bool
}

func newCloneCmd(env *Env) *cobra.Command {
	var o cloneOptions
	cmd := &cobra.Command{
		Use:   "clone <url> [directory]",
		Short: "Copy a repository from an easel server",
		Long: `Clone creates directory (default: the last part of the URL), fetches every
branch as origin/<branch> and the tags, checks out the remote's default branch and
makes it track origin. Cloning a repository that does not exist yet gives an empty
repository whose first push creates it. The token comes from EASEL_TOKEN.
-b checks out another branch than the remote's default; -o names the remote.`,
		Example: `  easel clone http://127.0.0.1:7420/project
  easel clone http://127.0.0.1:7420/team/project work
  easel clone -b release-1 -o upstream http://127.0.0.1:7420/project`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.URL = args[0]
			if len(args) == 2 {
				o.Dir = args[1]
			} else {
				u, err := url.Parse(o.URL)
				if err != nil {
					return &UsageError{Msg: err.Error()}
				}
				o.Dir = strings.TrimSuffix(path.Base(strings.TrimRight(u.Path, "/")), ".git")
				if o.Dir == "" || o.Dir == "." || o.Dir == "/" {
					return &UsageError{Msg: "cannot guess a directory name from " + o.URL + "; give one"}
				}
			}
			if !filepath.IsAbs(o.Dir) {
				o.Dir = filepath.Join(env.Dir, o.Dir)
			}
			return runClone(cmd.Context(), env, o)
		},
	}
	cmd.Flags().BoolVarP(&o.Quiet, "quiet", "q", false, "print nothing but errors")
	cmd.Flags().StringVarP(&o.Branch, "branch", "b", "", "check out this branch instead of the remote's default")
	cmd.Flags().StringVarP(&o.Origin, "origin", "o", "origin", "name of the remote")
	return cmd
}

func runClone(ctx context.Context, env *Env, o cloneOptions) error {
	if !o.Quiet {
		fmt.Fprintf(env.IO.Err, "Cloning into '%s'...\n", filepath.Base(o.Dir))
	}
	token := ""
	if env.IO.Getenv != nil {
		token = strings.TrimSpace(env.IO.Getenv("EASEL_TOKEN"))
	}
	if err := repo.ValidateRemoteName(o.Origin); err != nil {
		return &UsageError{Msg: err.Error()}
	}
	res, err := remote.Clone(ctx, o.URL, o.Dir, token, remote.Options{Progress: progressTo(env, o.Quiet), Branch: o.Branch, Origin: o.Origin})
	if err != nil {
		return err
	}
	if o.Quiet {
		return nil
	}
	if res.Empty {
		fmt.Fprintln(env.IO.Err, "warning: You appear to have cloned an empty repository.")
	}
	return nil
}
