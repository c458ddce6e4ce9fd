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
	Remote  string
	Quiet   bool
	Prune   bool
	NoPrune bool
}

func newFetchCmd(env *Env) *cobra.Command {
	var o fetchOptions
	cmd := &cobra.Command{
		Use:   "fetch [remote]",
		Short: "Download branches and tags from a remote",
		Long: `Fetch updates the remote-tracking branches refs/remotes/<remote>/* to the remote's
branches and brings new tags, downloading only the objects this repository lacks.
Local branches and the work tree are not touched; 'easel pull' merges.
The remote defaults to the current branch's upstream, else origin.
--prune (or fetch.prune / remote.<name>.prune set to true) also deletes the
remote-tracking branches whose branch is gone from the remote.`,
		Example: `  easel fetch
  easel fetch origin
  easel fetch --prune`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.Remote = args[0]
			}
			return runFetch(cmd.Context(), env, o)
		},
	}
	cmd.Flags().BoolVarP(&o.Quiet, "quiet", "q", false, "print nothing but errors")
	cmd.Flags().BoolVarP(&o.Prune, "prune", "p", false, "delete remote-tracking branches the remote no longer has")
	cmd.Flags().BoolVar(&o.NoPrune, "no-prune", false, "keep them even when fetch.prune says otherwise")
	return cmd
}

func runFetch(ctx context.Context, env *Env, o fetchOptions) error {
	r, err := env.OpenRepo(ctx)
	if err != nil {
		return err
	}
	action := "fetch"
	if o.Remote != "" {
		action += " " + o.Remote
	}
	prune := pruneDefault
	switch {
	case o.Prune:
		prune = pruneYes
	case o.NoPrune:
		prune = pruneNo
	}
	_, _, err = fetchRemoteAs(ctx, env, r, o.Remote, o.Quiet, action, prune)
	if err == nil && r.ConfigBool("fetch.writeCommitGraph", false) {
		// As git: a split layer, so that a fetch does not rewrite the
		// whole graph. A failure here leaves the fetch done.
		if _, cgErr := r.WriteCommitGraph(repo.CommitGraphOptions{Reachable: true, Split: true}); cgErr != nil {
			fmt.Fprintf(env.IO.Err, "warning: could not write the commit-graph: %v\n", cgErr)
		}
	}
	return err
}

// pruneChoice is --prune, --no-prune, or neither (the configuration's).
type pruneChoice int

const (
	pruneDefault pruneChoice = iota
	pruneYes
	pruneNo
)

// wants settles the choice with remote.<name>.prune, then fetch.prune.
func (p pruneChoice) wants(r *repo.Repository, remoteName string) bool {
	switch p {
	case pruneYes:
		return true
	case pruneNo:
		return false
	}
	return r.ConfigBool("remote."+remoteName+".prune", r.ConfigBool("fetch.prune", false))
}

// fetchRemoteAs fetches name (default: upstream or origin) and reports what
// moved on stderr, as git does. action starts the reflog messages ("fetch
// origin", "pull").
func fetchRemoteAs(ctx context.Context, env *Env, r *repo.Repository, name string, quiet bool, action string, prune pruneChoice) (repo.Remote, *remote.FetchResult, error) {
	if name == "" {
		name = defaultRemote(r)
	}
	rm, c, err := openRemote(env, r, name)
	if err != nil {
		return rm, nil, err
	}
	res, err := remote.Fetch(ctx, r, rm, c, remote.Options{Progress: progressTo(env, quiet), ReflogAction: action, Prune: prune.wants(r, name)})
	if err != nil {
		return rm, nil, err
	}
	if !quiet && len(res.Changes)+len(res.Pruned) > 0 {
		fmt.Fprintf(env.IO.Err, "From %s\n", rm.URL)
		for _, ch := range res.Pruned {
			fmt.Fprintf(env.IO.Err, " - %-17s %-10s -> %s\n", "[deleted]", "(none)", strings.TrimPrefix(ch.Local, "refs/remotes/"))
		}
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
