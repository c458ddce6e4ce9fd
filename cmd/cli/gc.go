package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
	"easel.dev/easel/repo/prune"
)

func init() { register(newGcCmd) }

func newGcCmd(env *Env) *cobra.Command {
	var o repo.GCOptions
	var quiet, noPrune, detached bool
	var pruneArg string
	cmd := &cobra.Command{
		Use:   "gc [--aggressive] [--auto] [--prune=<date>|--no-prune] [--force] [-q]",
		Short: "Pack and prune the repository",
		Long: `Clean the repository up as git gc does: pack the refs, repack every reachable
object into one pack with delta compression (unreachable objects of old packs
are kept loose until they are old enough to go), and prune unreachable loose
objects older than --prune (gc.pruneExpire, two weeks ago by default; "now"
removes them all, --no-prune none). --aggressive searches every delta again
with a larger window (gc.aggressiveWindow, 250).

With --auto it does something only when the repository needs it: more loose
objects than gc.auto (6700; 0 disables) or more packs than gc.autoPackLimit
(50). Commands that add objects (commit, merge, fetch, pull, rebase,
cherry-pick, revert) run it so, in the background unless gc.autoDetach is false.
Only one gc runs at a time in a repository (gc.pid).`,
		Example: `  easel gc
  easel gc --aggressive --prune=now
  easel gc --auto`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := env.OpenRepo(cmd.Context())
			if err != nil {
				return err
			}
			switch {
			case noPrune:
				o.PruneExpire = prune.Never
			case cmd.Flags().Changed("prune"):
				if o.PruneExpire, err = ParseExpiry(pruneArg, time.Now()); err != nil {
					return err
				}
			}
			if o.Auto && !detached {
				need, _ := r.NeedsGC()
				if !need || r.AutoGCVetoed(env.IO.Err) {
					return nil
				}
				if r.ConfigBool("gc.autoDetach", true) {
					if !quiet {
						fmt.Fprintln(env.IO.Err, "Auto packing the repository in background for optimum performance.")
						fmt.Fprintln(env.IO.Err, "See \"git help gc\" for manual housekeeping.")
					}
					return startDetachedGC(env.Dir, r.GitDir)
				}
				if !quiet {
					fmt.Fprintln(env.IO.Err, "Auto packing the repository for optimum performance.")
					fmt.Fprintln(env.IO.Err, "See \"git help gc\" for manual housekeeping.")
				}
			}
			err = r.GC(o, env.IO.Err)
			if errors.Is(err, repo.ErrGCRunning) && o.Auto {
				return nil // another gc is doing the work
			}
			return err
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.Aggressive, "aggressive", false, "search every delta again with a larger window")
	f.BoolVar(&o.Auto, "auto", false, "only when thresholds are exceeded")
	f.StringVar(&pruneArg, "prune", "2.weeks.ago", "prune unreachable loose objects older than `date`")
	f.Lookup("prune").NoOptDefVal = "2.weeks.ago"
	f.BoolVar(&noPrune, "no-prune", false, "prune nothing")
	f.BoolVar(&o.KeepLargest, "keep-largest-pack", false, "leave the largest pack as it is")
	f.BoolVar(&o.Force, "force", false, "run even if another gc seems to be running")
	f.BoolVarP(&quiet, "quiet", "q", false, "print nothing")
	f.BoolVar(&detached, "detached-child", false, "")
	f.MarkHidden("detached-child")
	return cmd
}

// startDetachedGC starts "easel gc --auto" in its own session, its output
// discarded, and does not wait for it.
func startDetachedGC(dir, gitDir string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	c := exec.Command(self, "gc", "--auto", "--quiet", "--detached-child")
	c.Dir = dir
	c.Env = append(os.Environ(), "GIT_DIR="+gitDir)
	detach(c)
	if err := c.Start(); err != nil {
		return err
	}
	return c.Process.Release()
}

// autoGCCommand tells the commands after which git runs gc --auto.
func autoGCCommand(name string) bool {
	switch name {
	case "commit", "merge", "fetch", "pull", "rebase", "cherry-pick", "revert", "am":
		return true
	}
	return false
}

// autoGC runs gc --auto after a command that added objects, when the
// repository needs it; it never changes the command's outcome.
func autoGC(ctx context.Context, env *Env, args []string) {
	if !autoGCCommand(invokedName(args)) {
		return
	}
	r, err := env.OpenRepo(ctx)
	if err != nil {
		return
	}
	if need, _ := r.NeedsGC(); !need {
		return
	}
	Run(ctx, env, []string{"gc", "--auto"})
}
