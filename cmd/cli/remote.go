package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"easel.dev/easel/remote"
	"easel.dev/easel/repo"
)

func init() {
	register(newRemoteCmd)
}

type remoteOptions struct {
	Verbose bool
}

func newRemoteCmd(env *Env) *cobra.Command {
	var o remoteOptions
	cmd := &cobra.Command{
		Use:   "remote [-v]",
		Short: "Manage the repositories you fetch from and push to",
		Long: `With no subcommand, list the remotes (-v: with their URLs for fetching
and pushing). rename moves a remote's settings, its remote-tracking branches
(with their reflogs) and the upstream settings that name it to the new name;
set-url changes its URL.
Remotes are stored in .git/config as git stores them (remote.<name>.url and
remote.<name>.fetch), so git sees them too. A remote's token for pushing can be
set with 'easel config remote.<name>.token TOKEN' or the EASEL_TOKEN variable.`,
		Example: `  easel remote add origin http://127.0.0.1:7420/project
  easel remote -v
  easel remote get-url origin
  easel remote set-url origin http://127.0.0.1:7420/moved
  easel remote rename origin upstream
  easel remote remove origin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRemoteList(cmd.Context(), env, o)
		},
	}
	cmd.Flags().BoolVarP(&o.Verbose, "verbose", "v", false, "show URLs")
	list := &cobra.Command{
		Use:     "list",
		Short:   "List remotes",
		Example: `  easel remote list -v`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRemoteList(cmd.Context(), env, o)
		},
	}
	list.Flags().BoolVarP(&o.Verbose, "verbose", "v", false, "show URLs")
	add := &cobra.Command{
		Use:     "add <name> <url>",
		Short:   "Add a remote",
		Example: `  easel remote add origin http://127.0.0.1:7420/team/project`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRemoteAdd(cmd.Context(), env, args[0], args[1])
		},
	}
	remove := &cobra.Command{
		Use:     "remove <name>",
		Aliases: []string{"rm"},
		Short:   "Remove a remote, its remote-tracking branches and upstream settings",
		Example: `  easel remote remove origin`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := env.OpenRepo(cmd.Context())
			if err != nil {
				return err
			}
			return remoteError(r.RemoveRemote(cmd.Context(), args[0]), "No such remote: '%s'")
		},
	}
	getURL := &cobra.Command{
		Use:     "get-url <name>",
		Short:   "Print a remote's URL",
		Example: `  easel remote get-url origin`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := env.OpenRepo(cmd.Context())
			if err != nil {
				return err
			}
			rm, err := r.RemoteByName(args[0])
			if err != nil {
				return remoteError(err, "No such remote '%s'")
			}
			fmt.Fprintln(env.IO.Out, rm.URL)
			return nil
		},
	}
	rename := &cobra.Command{
		Use:     "rename <old> <new>",
		Short:   "Rename a remote, its remote-tracking branches and the settings naming it",
		Example: `  easel remote rename origin upstream`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := env.OpenRepo(cmd.Context())
			if err != nil {
				return err
			}
			kept, err := r.RenameRemote(cmd.Context(), args[0], args[1])
			// As git, a fetch refspec that names no refs/remotes/<old>/
			// stays, with a warning for each.
			for _, f := range kept {
				fmt.Fprintf(env.IO.Err, "warning: Not updating non-default fetch refspec\n\t%s\n\tPlease update the configuration manually if necessary.\n", f)
			}
			return remoteError(err, "No such remote: '%s'")
		},
	}
	setURL := &cobra.Command{
		Use:     "set-url <name> <url>",
		Short:   "Change a remote's URL",
		Example: `  easel remote set-url origin http://127.0.0.1:7420/team/project`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := env.OpenRepo(cmd.Context())
			if err != nil {
				return err
			}
			// As git, a missing remote is named before the URL is looked at.
			if _, err := r.RemoteByName(args[0]); err != nil {
				return remoteError(err, "No such remote '%s'")
			}
			if _, err := remote.NewClient(args[1], ""); err != nil {
				return &UsageError{Msg: err.Error()}
			}
			return remoteError(r.SetRemoteURL(cmd.Context(), args[0], args[1]), "No such remote '%s'")
		},
	}
	cmd.AddCommand(list, add, remove, getURL, rename, setURL)
	return cmd
}

func runRemoteList(ctx context.Context, env *Env, o remoteOptions) error {
	r, err := env.OpenRepo(ctx)
	if err != nil {
		return err
	}
	rms, err := r.Remotes()
	if err != nil {
		return err
	}
	for _, rm := range rms {
		if o.Verbose {
			push := rm.URL
			if rm.PushURL != "" {
				push = rm.PushURL
			}
			fmt.Fprintf(env.IO.Out, "%s\t%s (fetch)\n%s\t%s (push)\n", rm.Name, rm.URL, rm.Name, push)
		} else {
			fmt.Fprintln(env.IO.Out, rm.Name)
		}
	}
	return nil
}

func runRemoteAdd(ctx context.Context, env *Env, name, url string) error {
	r, err := env.OpenRepo(ctx)
	if err != nil {
		return err
	}
	// As git, a taken or impossible name is refused before the URL is
	// looked at.
	if _, err := r.RemoteByName(name); err == nil {
		return remoteError(&repo.RemoteError{Name: name, Err: repo.ErrAlreadyExists}, "")
	}
	if err := repo.ValidateRemoteName(name); err != nil {
		return remoteError(err, "")
	}
	if _, err := remote.NewClient(url, ""); err != nil {
		return &UsageError{Msg: err.Error()}
	}
	return remoteError(r.AddRemote(ctx, name, url), "")
}

// remoteError words a refused remote name as git remote does, with its
// exit codes: "error: remote <name> already exists." and 3, a missing
// remote in noSuch's words (rename and remove say "No such remote: '<name>'",
// get-url and set-url "No such remote '<name>'") and 2, and "fatal: '<name>'
// is not a valid remote name" and 128.
func remoteError(err error, noSuch string) error {
	var re *repo.RemoteError
	if !errors.As(err, &re) {
		return err
	}
	switch {
	case errors.Is(re.Err, repo.ErrAlreadyExists):
		return &ExitError{Code: 3, Err: errorLine("remote " + re.Name + " already exists.")}
	case errors.Is(re.Err, repo.ErrNoSuchRemote) && noSuch != "":
		return &ExitError{Code: ExitUsage, Err: errorLine(fmt.Sprintf(noSuch, re.Name))}
	case errors.Is(re.Err, repo.ErrInvalidRefName):
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("'%s' is not a valid remote name", re.Name)}
	}
	return err
}

// openRemote resolves a remote name to its config and a client carrying
// the token from EASEL_TOKEN or remote.<name>.token.
func openRemote(env *Env, r *repo.Repository, name string) (repo.Remote, *remote.Client, error) {
	rm, err := r.RemoteByName(name)
	if err != nil {
		return rm, nil, err
	}
	token := ""
	if env.IO.Getenv != nil {
		token = env.IO.Getenv("EASEL_TOKEN")
	}
	if token == "" {
		token, _ = r.ConfigValue("remote", name, "token")
	}
	c, err := remote.NewClient(rm.URL, strings.TrimSpace(token))
	return rm, c, err
}

// defaultRemote is the current branch's upstream remote, else "origin".
func defaultRemote(r *repo.Repository) string {
	if b, err := r.HeadBranch(); err == nil && b != "" {
		if name, _, err := r.Upstream(b.Short()); err == nil && name != "" {
			return name
		}
	}
	return "origin"
}

func progressTo(env *Env, quiet bool) io.Writer {
	if quiet || !env.IO.Progress() {
		return nil
	}
	return env.IO.Err
}

func shortID(h fmt.Stringer) string { return h.String()[:7] }
