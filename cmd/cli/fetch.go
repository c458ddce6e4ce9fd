package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"easel.dev/easel/remote"
	"easel.dev/easel/repo"
)

func init() { register(newFetchCmd) }

type fetchOptions struct {
	Remote string
	Quiet  bool
}

func newFetchCmd(env *Env) *cobra.Command {
	var o fetchOptions
	cmd := &cobra.Command{
		Use:   "fetch [remote]",
		Short: "Download branches and tags from a remote",
		Long: `Fetch updates the remote-tracking branches refs/remotes/<remote>/* to the remote's
branches and brings new tags, downloading only the objects this repository lacks.
Local branches and the work tree are not touched; 'easel pull' merges.
The remote defaults to the current branch's upstream, else origin.`,
		Example: `  easel fetch
  easel fetch origin`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Remote = args[0]
			}
			return runFetch(cmd.Context(), env, o)
		},
	}
	cmd.Flags().BoolVarP(&o.Quiet, "quiet", "q", false, "print nothing but errors")
	return cmd
}

func runFetch(ctx context.Context, env *Env, o fetchOptions) error {
	r, err := env.OpenRepo(ctx)
	if err != nil {
		return err
	}
	_, _, err = fetchRemote(ctx, env, r, o.Remote, o.Quiet)
	return err
}

// fetchRemote fetches name (default: upstream or origin) and reports what
// moved on stderr, as git does. The reflog says "fetch" or "fetch <name>".
func fetchRemote(ctx context.Context, env *Env, r *repo.Repository, name string, quiet bool) (repo.Remote, *remote.FetchResult, error) {
	action := "fetch"
	if name != "" {
		action += " " + name
	}
	return fetchRemoteAs(ctx, env, r, name, quiet, action)
}

// fetchRemoteAs is fetchRemote with the reflog action given ("pull").
func fetchRemoteAs(ctx context.Context, env *Env, r *repo.Repository, name string, quiet bool, action string) (repo.Remote, *remote.FetchResult, error) {
	if name == "" {
		name = defaultRemote(r)
	}
	rm, c, err := openRemote(env, r, name)
	if err != nil {
		return rm, nil, err
	}
	res, err := remote.Fetch(ctx, r, rm, c, remote.Options{Progress: progressTo(env, quiet), ReflogAction: action})
	if err != nil {
		return rm, nil, err
	}
	if !quiet && len(res.Changes) > 0 {
		fmt.Fprintf(env.IO.Err, "From %s\n", rm.URL)
		for _, ch := range res.Changes {
			from := strings.TrimPrefix(strings.TrimPrefix(ch.Remote, "refs/heads/"), "refs/tags/")
			to := strings.TrimPrefix(strings.TrimPrefix(ch.Local, "refs/remotes/"), "refs/tags/")
			switch {
			case ch.Old.IsZero() && strings.HasPrefix(ch.Local, "refs/tags/"):
				fmt.Fprintf(env.IO.Err, " * [new tag]         %s -> %s\n", from, to)
			case ch.Old.IsZero():
				fmt.Fprintf(env.IO.Err, " * [new branch]      %s -> %s\n", from, to)
			default:
				fmt.Fprintf(env.IO.Err, "   %s..%s  %s -> %s\n", shortID(ch.Old), shortID(ch.New), from, to)
			}
		}
	}
	return rm, res, nil
}
