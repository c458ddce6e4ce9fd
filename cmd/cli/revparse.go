package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
)

func init() { register(newRevParseCmd) }

type revParseOptions struct {
	Revs             []string
	Verify           bool
	Quiet            bool
	Short            bool
	AbbrevRef        bool
	ShowToplevel     bool
	GitDir           bool
	InsideWorkTree   bool
	IsBareRepository bool
	ShowPrefix       bool
}

func newRevParseCmd(env *Env) *cobra.Command {
	var o revParseOptions
	cmd := &cobra.Command{
		Use:   "rev-parse [options] [<revision>...]",
		Short: "Print the ids revisions name, and where the repository is",
		Long: `For scripts, as git rev-parse: each revision's full id (an abbreviated one
with --short, a branch name with --abbrev-ref), and facts about the repository:
--show-toplevel, --git-dir, --is-inside-work-tree, --is-bare-repository,
--show-prefix. --verify requires exactly one revision that names an object and
exits 4 otherwise (-q: silently). Revisions are spelled as everywhere else
(HEAD~2, main^2, v1.0^{commit}, @{u}, HEAD@{1}, rev:path).`,
		Example: `  easel rev-parse HEAD
  easel rev-parse --short HEAD~1
  easel rev-parse --abbrev-ref HEAD
  easel rev-parse --abbrev-ref @{u}
  easel rev-parse --verify -q feature || echo "no branch feature"
  easel rev-parse --show-toplevel`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Revs = args
			return runRevParse(cmd.Context(), env, o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.Verify, "verify", false, "exactly one revision, which must name an object")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "with --verify: no message when it fails")
	f.BoolVar(&o.Short, "short", false, "abbreviated ids")
	f.BoolVar(&o.AbbrevRef, "abbrev-ref", false, "the short name of the ref a revision names (HEAD: the current branch)")
	f.BoolVar(&o.ShowToplevel, "show-toplevel", false, "the top of the work tree")
	f.BoolVar(&o.GitDir, "git-dir", false, "the repository's .git directory")
	f.BoolVar(&o.InsideWorkTree, "is-inside-work-tree", false, "true or false")
	f.BoolVar(&o.IsBareRepository, "is-bare-repository", false, "true or false")
	f.BoolVar(&o.ShowPrefix, "show-prefix", false, "the current directory relative to the top of the work tree")
	return cmd
}

func runRevParse(ctx context.Context, env *Env, o revParseOptions) error {
	r, err := env.OpenRepo(ctx)
	if err != nil {
		return err
	}
	out := env.IO.Out
	rel := func() string {
		p, err := filepath.Rel(r.WorkDir, env.Dir)
		if err != nil || p == "." {
			return ""
		}
		return filepath.ToSlash(p) + "/"
	}
	switch {
	case o.ShowToplevel:
		if r.IsBare() {
			return fmt.Errorf("this operation must be run in a work tree: %w", repo.ErrBareRepository)
		}
		fmt.Fprintln(out, r.WorkDir)
	case o.GitDir:
		gd := r.WorktreeGitDir
		if !r.IsBare() && filepath.Join(env.Dir, ".git") == gd {
			gd = ".git" // git prints it relative when it is right here
		}
		fmt.Fprintln(out, gd)
	case o.InsideWorkTree:
		fmt.Fprintln(out, !r.IsBare())
	case o.IsBareRepository:
		fmt.Fprintln(out, r.IsBare())
	case o.ShowPrefix:
		fmt.Fprintln(out, rel())
	}
	if o.Verify && len(o.Revs) != 1 {
		if o.Quiet {
			return &ExitError{Code: ExitUnknownRev}
		}
		return fmt.Errorf("needed a single revision: %w", repo.ErrUnknownRevision)
	}
	ab := r.NewAbbreviator()
	for _, rev := range o.Revs {
		if o.AbbrevRef {
			name, err := abbrevRef(ctx, r, rev)
			if err != nil {
				return revParseError(err, o)
			}
			fmt.Fprintln(out, name)
			continue
		}
		h, err := r.ResolveRevision(ctx, rev)
		if err != nil {
			return revParseError(err, o)
		}
		if o.Short {
			fmt.Fprintln(out, ab.ShortID(h))
		} else {
			fmt.Fprintln(out, h)
		}
	}
	return nil
}

// abbrevRef is git's --abbrev-ref: the short name of the ref rev names
// (HEAD when detached), or of the upstream for @{u}.
func abbrevRef(ctx context.Context, r *repo.Repository, rev string) (string, error) {
	if rev == "HEAD" || rev == "@" {
		b, err := r.HeadBranch()
		if err != nil {
			return "", err
		}
		if b == "" {
			return "HEAD", nil
		}
		return b.Short(), nil
	}
	if strings.HasSuffix(rev, "@{u}") || strings.HasSuffix(rev, "@{upstream}") {
		branch, _, _ := strings.Cut(rev, "@{")
		if branch == "" || branch == "HEAD" {
			b, err := r.HeadBranch()
			if err != nil || b == "" {
				return "", fmt.Errorf("HEAD does not point to a branch: %w", repo.ErrUnknownRevision)
			}
			branch = b.Short()
		}
		remoteName, merge, err := r.Upstream(branch)
		if err != nil || merge == "" {
			return "", fmt.Errorf("no upstream configured for branch '%s': %w", branch, repo.ErrUnknownRevision)
		}
		if remoteName == "." {
			return merge.Short(), nil
		}
		return remoteName + "/" + merge.Short(), nil
	}
	if _, err := r.ResolveRevision(ctx, rev); err != nil {
		return "", err
	}
	for _, full := range []string{rev, "refs/" + rev, "refs/tags/" + rev, "refs/heads/" + rev, "refs/remotes/" + rev} {
		if _, err := r.ResolveRef(plumbing.ReferenceName(full)); err == nil {
			return shortRefName(full), nil
		}
	}
	return rev, nil
}

// shortRefName drops the refs/heads/, refs/tags/ or refs/remotes/ prefix.
func shortRefName(full string) string {
	for _, p := range []string{"refs/heads/", "refs/tags/", "refs/remotes/"} {
		if rest, ok := strings.CutPrefix(full, p); ok {
			return rest
		}
	}
	return full
}

func revParseError(err error, o revParseOptions) error {
	if o.Verify && o.Quiet && errors.Is(err, repo.ErrUnknownRevision) {
		return &ExitError{Code: ExitUnknownRev}
	}
	return err
}
