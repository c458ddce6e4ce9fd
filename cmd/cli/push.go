package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"

	"easel.dev/easel/remote"
	"easel.dev/easel/repo"
	"easel.dev/easel/repo/refspec"
)

func init() { register(newPushCmd) }

type pushOptions struct {
	Remote      string
	Refspecs    []string
	SetUpstream bool
	Delete      bool
	Tags        bool
	JSON        bool
	Quiet       bool
}

func newPushCmd(env *Env) *cobra.Command {
	var o pushOptions
	cmd := &cobra.Command{
		Use:   "push [remote] [<ref>|<src>:<dst>...]",
		Short: "Send branches and tags to a remote",
		Long: `Push sends a branch (default: the current one) to the branch of the same name on
remote (default: the branch's upstream, else origin), with the objects the remote
lacks. Several refs may be given; <src>:<dst> sends a local branch, tag or commit
to another remote name (HEAD:main). A name that is a tag here pushes the tag;
--tags pushes every tag.

The update is a compare-and-swap: the server moves each ref only if it is still
where this push saw it and the new commit descends from it, all refs or none.
Otherwise the push is rejected (exit code 10) and nothing changes on the server:
run 'easel pull' to merge the remote's commits, then push again. There is no
forced push, and a tag the remote has is never moved.

--delete removes remote branches or tags, also only if they have not moved.
-u records the remote branch as the upstream of the local one.
--json prints the server's answer (results, or RFC 9457 problem details).
The token comes from EASEL_TOKEN or remote.<name>.token.`,
		Example: `  easel push
  easel push -u origin feature
  easel push origin HEAD:main
  easel push origin v1.0
  easel push --tags
  easel push --delete origin feature
  easel push --json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				o.Remote = args[0]
				o.Refspecs = args[1:]
			}
			if o.Delete && len(o.Refspecs) == 0 {
				return &UsageError{Msg: "--delete needs a branch or tag: easel push --delete <remote> <name>"}
			}
			if o.Delete && o.Tags {
				return &UsageError{Msg: "--delete and --tags cannot be combined"}
			}
			return runPush(cmd.Context(), env, o)
		},
	}
	cmd.Flags().BoolVarP(&o.SetUpstream, "set-upstream", "u", false, "make the remote branch the upstream of the local one")
	cmd.Flags().BoolVarP(&o.Delete, "delete", "d", false, "delete the remote branches or tags named")
	cmd.Flags().BoolVar(&o.Tags, "tags", false, "push every tag too")
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

// pushSpec is one ref to push: what the user named (src, for messages),
// the commit or tag it is here (zero to delete) and the remote ref.
type pushSpec struct {
	src   string
	local plumbing.Hash
	dst   plumbing.ReferenceName
}

// pushSpecs reads the refs to push as git does: a branch or tag name, HEAD,
// <src>:<dst>, or a full ref name; nothing means the current branch.
func pushSpecs(ctx context.Context, r *repo.Repository, o pushOptions) ([]pushSpec, error) {
	exists := func(name plumbing.ReferenceName) bool {
		_, err := r.ResolveRef(name)
		return err == nil
	}
	// dstFor is the full remote ref for a short name: a tag when src is
	// one, else a branch.
	dstFor := func(name string, isTag bool) plumbing.ReferenceName {
		switch {
		case strings.HasPrefix(name, "refs/"):
			return plumbing.ReferenceName(name)
		case isTag:
			return plumbing.NewTagReferenceName(name)
		}
		return plumbing.NewBranchReferenceName(name)
	}
	currentBranch := func() (string, error) {
		head, err := r.HeadBranch()
		if err != nil {
			return "", err
		}
		if head == "" {
			return "", fmt.Errorf("you are not on a branch; say which branch to push: %w", repo.ErrUnknownRevision)
		}
		return head.Short(), nil
	}
	var specs []pushSpec
	args := o.Refspecs
	if len(args) == 0 && !o.Tags {
		b, err := currentBranch()
		if err != nil {
			return nil, err
		}
		args = []string{b}
	}
	for _, a := range args {
		if o.Delete {
			isTag := !exists(plumbing.NewBranchReferenceName(a)) && exists(plumbing.NewTagReferenceName(a))
			specs = append(specs, pushSpec{src: a, dst: dstFor(a, isTag)})
			continue
		}
		spec, err := refspec.Parse(a)
		switch {
		case err != nil:
			return nil, &UsageError{Msg: err.Error()}
		case spec.Force:
			return nil, &UsageError{Msg: "there is no forced push: " + a}
		case spec.Negative || spec.Pattern():
			return nil, &UsageError{Msg: "name the refs to push: " + a}
		}
		src, dst, mapped := spec.Src, spec.Dst, strings.Contains(a, ":")
		if src == "HEAD" && !mapped {
			b, err := currentBranch()
			if err != nil {
				return nil, err
			}
			src = b
		}
		var local plumbing.Hash
		isTag := false
		switch {
		case strings.HasPrefix(src, "refs/") && exists(plumbing.ReferenceName(src)):
			local, _ = r.ResolveRef(plumbing.ReferenceName(src))
			isTag = strings.HasPrefix(src, "refs/tags/")
			src = plumbing.ReferenceName(src).Short()
		case exists(plumbing.NewBranchReferenceName(src)):
			local, _ = r.ResolveRef(plumbing.NewBranchReferenceName(src))
		case exists(plumbing.NewTagReferenceName(src)):
			local, _ = r.ResolveRef(plumbing.NewTagReferenceName(src))
			isTag = true
		case mapped:
			// Any commit may go to a named remote ref (HEAD~1:main).
			h, err := r.ResolveCommit(ctx, src)
			if err != nil {
				return nil, err
			}
			local = h
		default:
			return nil, fmt.Errorf("src refspec %s does not match any: %w", src, repo.ErrUnknownRevision)
		}
		if !mapped {
			dst = src
		}
		if dst == "" {
			return nil, &UsageError{Msg: "empty destination in " + a}
		}
		specs = append(specs, pushSpec{src: src, local: local, dst: dstFor(dst, isTag)})
	}
	if o.Tags {
		tags, err := r.ListRefs("refs/tags/")
		if err != nil {
			return nil, err
		}
		for _, ref := range tags {
			if n := plumbing.ReferenceName(ref.Name); !ref.Symbolic() {
				specs = append(specs, pushSpec{src: n.Short(), local: ref.ID, dst: n})
			}
		}
	}
	seen := map[plumbing.ReferenceName]bool{}
	for _, sp := range specs {
		if err := repo.ValidateRefName(sp.dst.String()); err != nil {
			return nil, err
		}
		if seen[sp.dst] {
			return nil, &UsageError{Msg: fmt.Sprintf("%s is pushed twice", sp.dst)}
		}
		seen[sp.dst] = true
	}
	return specs, nil
}

func runPush(ctx context.Context, env *Env, o pushOptions) error {
	r, err := env.OpenRepo(ctx)
	if err != nil {
		return err
	}
	if o.Remote == "" {
		o.Remote = defaultRemote(r)
	}
	specs, err := pushSpecs(ctx, r, o)
	if err != nil {
		return err
	}
	rm, c, err := openRemote(env, r, o.Remote)
	if err != nil {
		return err
	}
	var refs []remote.PushRef
	for _, sp := range specs {
		refs = append(refs, remote.PushRef{Local: sp.local, Remote: sp.dst})
	}
	resp, changes, err := remote.Push(ctx, r, rm, c, refs, remote.Options{Progress: progressTo(env, o.Quiet || o.JSON)})
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
				printRejected(env, rm.URL, specs, prob)
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
		for i, ch := range changes {
			sp := specs[i]
			to := sp.dst.Short()
			switch {
			case ch.New.IsZero():
				fmt.Fprintf(env.IO.Err, " - [deleted]         %s\n", to)
			case ch.Old.IsZero() && sp.dst.IsTag():
				fmt.Fprintf(env.IO.Err, " * [new tag]         %s -> %s\n", sp.src, to)
			case ch.Old.IsZero():
				fmt.Fprintf(env.IO.Err, " * [new branch]      %s -> %s\n", sp.src, to)
			case ch.Old == ch.New:
				// git lists refs already up to date only with -v.
			default:
				fmt.Fprintf(env.IO.Err, "   %s..%s  %s -> %s\n", shortID(ch.Old), shortID(ch.New), sp.src, to)
			}
		}
	}
	if o.SetUpstream && !o.Delete {
		for _, sp := range specs {
			if _, err := r.ResolveRef(plumbing.NewBranchReferenceName(sp.src)); err != nil || !sp.dst.IsBranch() {
				continue // only a local branch gets an upstream
			}
			if err := r.SetUpstream(ctx, sp.src, rm.Name, sp.dst); err != nil {
				return err
			}
			if !o.Quiet && !o.JSON {
				fmt.Fprintf(env.IO.Err, "branch '%s' set up to track '%s/%s'.\n", sp.src, rm.Name, sp.dst.Short())
			}
		}
	}
	return nil
}

// printRejected says which ref the server refused and what to do: for a
// branch, pull and push again; a tag the remote has is not moved.
func printRejected(env *Env, url string, specs []pushSpec, prob *remote.Problem) {
	fmt.Fprintf(env.IO.Err, "To %s\n", url)
	isTag := false
	for _, sp := range specs {
		if prob != nil && prob.Ref != "" && prob.Ref != sp.dst.String() {
			continue
		}
		why := "the remote has commits you do not have"
		if sp.dst.IsTag() {
			why, isTag = "already exists", true
		}
		fmt.Fprintf(env.IO.Err, " ! [rejected]        %s -> %s (%s)\n", sp.src, sp.dst.Short(), why)
	}
	if prob != nil && prob.Detail != "" {
		fmt.Fprintf(env.IO.Err, "error: %s\n", prob.Detail)
	}
	if isTag {
		fmt.Fprintln(env.IO.Err, "hint: the remote has this tag with another value; tags are not moved (delete it there with 'easel push --delete' first)")
		return
	}
	// Both ways of integrating, the configured one marked.
	merge, rebase := "", ""
	if r, err := env.OpenRepo(context.Background()); err == nil {
		b, _ := r.HeadBranch()
		if mode := r.PullRebase(b.Short()); mode == "true" || mode == "interactive" {
			rebase = " (configured: pull.rebase)"
		} else {
			merge = " (configured)"
		}
	}
	fmt.Fprintln(env.IO.Err, "hint: the remote has commits you do not have; integrate them, resolve any conflicts, then 'easel push' again:")
	fmt.Fprintf(env.IO.Err, "hint:   easel pull --no-rebase   merge them%s\n", merge)
	fmt.Fprintf(env.IO.Err, "hint:   easel pull --rebase      replay your commits on top of them%s\n", rebase)
}
