package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"easel.dev/easel/repo"
)

func init() { register(newBisectCmd) }

const bisectUsage = `usage: git bisect [help|start|bad|good|new|old|terms|skip|next|reset|visualize|view|replay|log|run]`

func newBisectCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bisect <subcommand> [<args>]",
		Short: "Find the commit that introduced a change, by binary search",
		Long: `Bisect finds the first bad commit between a bad one and good ones, as git
bisect does, keeping its state in git's files so that git and easel can
carry on each other's bisection:

  easel bisect start [--term-new|--term-bad=<term> --term-old|--term-good=<term>]
                     [--no-checkout] [--first-parent] [<bad> [<good>...]] [--] [<paths>...]
  easel bisect (bad|new|<term-new>) [<rev>]
  easel bisect (good|old|<term-old>) [<rev>...]
  easel bisect skip [(<rev>|<range>)...]
  easel bisect next
  easel bisect reset [<commit>]
  easel bisect terms [--term-good | --term-bad]
  easel bisect (visualize|view)
  easel bisect replay <logfile>
  easel bisect log
  easel bisect run <cmd>...

The commit to test is chosen as git chooses it: the one reaching nearest
half of the candidates. "run" tests each with a command: exit 0 is good,
125 skip, 1 to 127 bad, 128 and more end the run.`,
		Example: `  easel bisect start HEAD v1.0
  easel bisect run make test
  easel bisect reset`,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			code, err := runBisect(cmd.Context(), env, args)
			if err != nil {
				return err
			}
			if code != 0 {
				return &ExitError{Code: code}
			}
			return nil
		},
	}
	return cmd
}

// easelSelf runs this program with args in dir, as git runs its own
// commands (checkout, show, log) from bisect.
func easelSelf(dir string, stdout, stderr io.Writer, args ...string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	c := exec.Command(self, args...)
	c.Dir = dir
	c.Stdout, c.Stderr = stdout, stderr
	return c.Run()
}

func runBisect(ctx context.Context, env *Env, args []string) (int, error) {
	if len(args) == 0 {
		fmt.Fprintln(env.IO.Err, bisectUsage)
		return 1, nil
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(env.IO.Out, bisectUsage)
		return 0, nil
	}
	r, err := env.OpenRepo(ctx)
	if err != nil {
		return 0, err
	}
	dir := r.WorkDir
	if dir == "" {
		dir = env.Dir
	}
	b := &repo.Bisect{R: r, Out: env.IO.Out, Err: env.IO.Err}
	if f, ok := env.IO.In.(*os.File); ok {
		b.IsTerminal = term.IsTerminal(int(f.Fd()))
	}
	b.Checkout = func(rev string, quiet bool) error {
		a := []string{"checkout"}
		if quiet {
			a = append(a, "-q")
		}
		return easelSelf(dir, env.IO.Out, env.IO.Err, append(a, rev, "--")...)
	}
	b.Show = func(h plumbing.Hash, out io.Writer) error {
		// git runs "show --stat --summary --no-abbrev-commit
		// --diff-merges=first-parent": log -1 shows the same.
		return easelSelf(dir, out, env.IO.Err, "log", "-1", "--stat", "--summary", "--no-abbrev-commit", "--diff-merges=first-parent", h.String())
	}
	b.ReadTerms()
	sub, rest := args[0], args[1:]
	var res int
	switch {
	case sub == "start":
		res = b.Start(ctx, rest)
	case oneOfStr(sub, "bad", "good", "new", "old", b.Bad, b.Good):
		res = b.State(ctx, args)
	case sub == "skip":
		res = b.Skip(ctx, rest)
	case sub == "next":
		res = b.Next(ctx)
	case sub == "reset":
		if len(rest) > 1 {
			fmt.Fprintln(env.IO.Err, "error: --bisect-reset requires either no argument or a commit")
			return 1, nil
		}
		commit := ""
		if len(rest) == 1 {
			commit = rest[0]
		}
		res = b.Reset(ctx, commit)
	case sub == "log":
		res = b.Log()
	case sub == "terms":
		if len(rest) > 1 {
			fmt.Fprintln(env.IO.Err, "error: --bisect-terms requires 0 or 1 argument")
			return 1, nil
		}
		opt := ""
		if len(rest) == 1 {
			opt = rest[0]
		}
		res = b.Terms(opt)
	case sub == "replay":
		if len(rest) != 1 {
			fmt.Fprintln(env.IO.Err, "error: no logfile given")
			return 1, nil
		}
		file := rest[0]
		if !strings.HasPrefix(file, "/") {
			file = env.Dir + "/" + file
		}
		res = b.Replay(ctx, file)
	case sub == "run":
		res = b.Run(ctx, rest, func(command string) int {
			c := exec.Command("sh", "-c", command)
			c.Dir = env.Dir
			c.Stdin, c.Stdout, c.Stderr = env.IO.In, env.IO.Out, env.IO.Err
			if err := c.Run(); err != nil {
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					if ee.ExitCode() < 0 {
						return 128 + 9
					}
					return ee.ExitCode()
				}
				return 127
			}
			return 0
		})
	case sub == "visualize" || sub == "view":
		if !b.Ready() {
			return 1, nil
		}
		revs, paths := b.VisualizeRange()
		a := []string{"log"}
		if len(rest) > 0 && strings.HasPrefix(rest[0], "-") {
			a = append(a, rest...)
		} else if len(rest) > 0 {
			a = append(a[:0], rest...)
		}
		a = append(append(a, revs...), "--")
		a = append(a, paths...)
		if err := easelSelf(env.Dir, env.IO.Out, env.IO.Err, a...); err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				return ee.ExitCode(), nil
			}
			return 1, nil
		}
		return 0, nil
	default:
		fmt.Fprintln(env.IO.Err, bisectUsage)
		return 1, nil
	}
	if res == -128 {
		return 128, nil
	}
	return repo.BisectExit(res), nil
}

func oneOfStr(s string, list ...string) bool {
	for _, l := range list {
		if s == l {
			return true
		}
	}
	return false
}
