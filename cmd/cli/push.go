package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"

	"easel.dev/easel/remote"
	"easel.dev/easel/repo"
)

func init() { register(newPushCmd) }

type pushOptions struct {
	Remote      string
	Branch      string
	SetUpstream bool
	Delete      bool
	JSON        bool
	Quiet       bool
}

func newPushCmd(env *Env) *cobra.Command {
	var o pushOptions
	cmd := &cobra.Command{
		Use:   "push [remote] [branch]",
		Short: "Send a branch to a remote",
		Long: `Push sends branch (default: the current one) to the branch of the same name on
remote (default: the branch's upstream, else origin), with the objects the remote lacks.

The update is a compare-and-swap: the server moves its branch only if it is still
where this push saw it and the new commit descends from it. Otherwise the push is
rejected (exit code 10) and nothing changes on the server: run 'easel pull' to
merge the remote's commits, then push again. There is no forced push.

--delete removes the remote branch, also only if it has not moved.
-u records the remote branch as the upstream of the local one.
--json prints the server's answer (results, or RFC 9457 problem details).
The token comes from EASEL_TOKEN or remote.<name>.token.`,
		Example: `  easel push
  easel push -u origin feature
  easel push --delete origin feature
  easel push --json`,
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				o.Remote = args[0]
			}
			if len(args) > 1 {
				o.Branch = args[1]
			}
			if o.Delete && o.Branch == "" {
				return &UsageError{Msg: "--delete needs a branch: easel push --delete <remote> <branch>"}
			}
			return runPush(cmd.Context(), env, o)
		},
	}
	cmd.Flags().BoolVarP(&o.SetUpstream, "set-upstream", "u", false, "make the remote branch the upstream of the local one")
	cmd.Flags().BoolVarP(&o.Delete, "delete", "d", false, "delete the remote branch")
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print the server's response as JSON")
	cmd.Flags().BoolVarP(&o.Quiet, "quiet", "q", false, "print nothing but errors")
	return cmd
}

type pushJSON struct {
	Remote  string               `json:"remote"`
	URL     string               `json:"url"`
	Result  *remote.PushResponse `json:"result,omitempty"`
	Problem *remote.Problem      `json:"problem,omitempty"`
}

func runPush(ctx context.Context, env *Env, o pushOptions) error {
	r, err := env.OpenRepo(ctx)
	if err != nil {
		return err
	}
	if o.Remote == "" {
		o.Remote = defaultRemote(r)
	}
	if o.Branch == "" {
		head, err := r.HeadBranch()
		if err != nil {
			return err
		}
		if head == "" {
			return fmt.Errorf("you are not on a branch; say which branch to push: %w", repo.ErrUnknownRevision)
		}
		o.Branch = head.Short()
	}
	name := plumbing.NewBranchReferenceName(o.Branch)
	if err := repo.ValidateRefName(name.String()); err != nil {
		return err
	}
	local := plumbing.ZeroHash
	if !o.Delete {
		if local, err = r.ResolveRef(name); err != nil {
			return fmt.Errorf("src refspec %s does not match any: %w", o.Branch, repo.ErrUnknownRevision)
		}
	}
	rm, c, err := openRemote(env, r, o.Remote)
	if err != nil {
		return err
	}
	resp, changes, err := remote.Push(ctx, r, rm, c, []remote.PushRef{{Local: local, Remote: name}}, remote.Options{Progress: progressTo(env, o.Quiet || o.JSON)})
	var prob *remote.Problem
	errors.As(err, &prob)
	if o.JSON && (err == nil || prob != nil) {
		if werr := writeJSON(env.IO.Out, pushJSON{Remote: rm.Name, URL: rm.URL, Result: resp, Problem: prob}); werr != nil {
			return werr
		}
	}
	if err != nil {
		if errors.Is(err, remote.ErrRejected) {
			if !o.Quiet {
				fmt.Fprintf(env.IO.Err, "To %s\n ! [rejected]        %s -> %s (the remote has commits you do not have)\n", rm.URL, o.Branch, o.Branch)
				if prob != nil && prob.Detail != "" {
					fmt.Fprintf(env.IO.Err, "error: %s\n", prob.Detail)
				}
				fmt.Fprintln(env.IO.Err, "hint: run 'easel pull' to merge them, resolve any conflicts, then 'easel push' again")
			}
			return &ExitError{Code: ExitRejected}
		}
		if prob != nil && prob.Hint != "" && !o.Quiet {
			return fmt.Errorf("%w\nhint: %s", err, prob.Hint)
		}
		return err
	}
	upToDate := true
	for _, ch := range changes {
		upToDate = upToDate && ch.Old == ch.New
	}
	if upToDate && !o.Quiet && !o.JSON {
		fmt.Fprintln(env.IO.Err, "Everything up-to-date")
	} else if !o.Quiet && !o.JSON {
		fmt.Fprintf(env.IO.Err, "To %s\n", rm.URL)
		for _, ch := range changes {
			switch {
			case ch.New.IsZero():
				fmt.Fprintf(env.IO.Err, " - [deleted]         %s\n", o.Branch)
			case ch.Old.IsZero():
				fmt.Fprintf(env.IO.Err, " * [new branch]      %s -> %s\n", o.Branch, o.Branch)
			case ch.Old == ch.New:
				fmt.Fprintf(env.IO.Err, " = [up to date]      %s -> %s\n", o.Branch, o.Branch)
			default:
				fmt.Fprintf(env.IO.Err, "   %s..%s  %s -> %s\n", shortID(ch.Old), shortID(ch.New), o.Branch, o.Branch)
			}
		}
	}
	if o.SetUpstream && !o.Delete {
		if err := r.SetUpstream(ctx, o.Branch, rm.Name, name); err != nil {
			return err
		}
		if !o.Quiet && !o.JSON {
			fmt.Fprintf(env.IO.Err, "branch '%s' set up to track '%s/%s'.\n", o.Branch, rm.Name, o.Branch)
		}
	}
	return nil
}
