package cli

import (
	"bufio"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
	"easel.dev/easel/repo/prune"
)

func init() {
	register(newPruneCmd)
	register(newPrunePackedCmd)
	register(newCountObjectsCmd)
}

// ParseExpiry reads an expiry date as git's parse_expiry_date does:
// "never" or "false" keep everything, "all" or "now" expire everything,
// anything else is a date ("2.weeks.ago", "@1714560000", "2024-05-01").
func ParseExpiry(s string, now time.Time) (time.Time, error) {
	t, err := repo.ParseExpiryDate(s, now)
	if err != nil {
		return time.Time{}, &UsageError{Msg: fmt.Sprintf("malformed expiration date '%s'", s)}
	}
	return t, nil
}

// objectPathDisplay spells object store paths as git prints them: from
// the top of the work tree (".git/objects/..."), or "./objects/..." in a
// bare repository.
func objectPathDisplay(r *repo.Repository) func(string) string {
	base := r.WorkDir
	prefix := ""
	if base == "" {
		base, prefix = r.GitDir, "./"
	}
	return func(p string) string {
		if rel, err := filepath.Rel(base, p); err == nil && !strings.HasPrefix(rel, "..") {
			return prefix + filepath.ToSlash(rel)
		}
		return p
	}
}

func newPruneCmd(env *Env) *cobra.Command {
	var o prune.Options
	var expire string
	var progress bool
	cmd := &cobra.Command{
		Use:   "prune [-n] [-v] [--progress] [--expire <time>] [--] [<head>...]",
		Short: "Remove unreachable loose objects",
		Long: `Remove the loose objects that nothing reaches — no ref, HEAD, reflog entry or
index of any work tree, nor the <head>s given — as git prune does, then the loose
objects a pack also holds (prune-packed) and temporary files writers left. With
--expire only objects older than <time> go, with what recent unreachable objects
still reach kept too (gc passes two weeks ago). Without it every unreachable loose
object goes.`,
		Example: `  easel prune -n
  easel prune --expire=2.weeks.ago -v`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			r, err := env.OpenRepo(ctx)
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("no-expire") {
				expire = ""
			}
			if expire != "" {
				if o.Expire, err = ParseExpiry(expire, time.Now()); err != nil {
					return err
				}
			}
			for _, a := range args {
				id, err := r.ResolveRevision(ctx, a)
				if err != nil {
					return fmt.Errorf("unrecognized argument: %s: %w", a, repo.ErrUnknownRevision)
				}
				o.Heads = append(o.Heads, id)
			}
			o.Display = objectPathDisplay(r)
			out := bufio.NewWriter(env.IO.Out)
			defer out.Flush()
			o.Err = &flushFirst{out, env.IO.Err}
			return prune.Prune(r.Objects, r.GitDir, o, out)
		},
	}
	cmd.Flags().BoolVarP(&o.DryRun, "dry-run", "n", false, "report what would be removed, remove nothing")
	cmd.Flags().BoolVarP(&o.Verbose, "verbose", "v", false, "report every object removed")
	cmd.Flags().StringVar(&expire, "expire", "", "only remove objects older than `time`")
	cmd.Flags().BoolVar(&progress, "progress", false, "accepted for git compatibility")
	noProgress := cmd.Flags().Bool("no-progress", false, "accepted for git compatibility")
	noExpire := cmd.Flags().Bool("no-expire", false, "remove every unreachable object whatever its age")
	cmd.Flags().MarkHidden("no-progress")
	cmd.Flags().MarkHidden("no-expire")
	_, _ = noProgress, noExpire
	cmd.SetFlagErrorFunc(gitFlagError)
	return cmd
}

// gitFlagError words a missing option value as git does.
func gitFlagError(c *cobra.Command, err error) error {
	if name, ok := strings.CutPrefix(err.Error(), "flag needs an argument: "); ok {
		name = strings.Trim(name, "-'")
		if i := strings.Index(name, "' in -"); i >= 0 {
			name = name[:i]
		}
		return &UsageError{Msg: fmt.Sprintf("error: option `%s' requires a value", strings.TrimLeft(name, "-"))}
	}
	return &UsageError{Msg: err.Error() + "\nsee '" + c.CommandPath() + " --help'"}
}

func newPrunePackedCmd(env *Env) *cobra.Command {
	var dryRun, quiet bool
	cmd := &cobra.Command{
		Use:   "prune-packed [-n] [-q]",
		Short: "Remove loose objects that are also in a pack",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := env.OpenRepo(cmd.Context())
			if err != nil {
				return err
			}
			out := bufio.NewWriter(env.IO.Out)
			defer out.Flush()
			return prune.PrunePacked(r.Objects, dryRun, false, objectPathDisplay(r), out)
		},
	}
	cmd.Flags().BoolVarP(&dryRun, "dry-run", "n", false, "print the removals instead of doing them")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "accepted for git compatibility")
	return cmd
}

func newCountObjectsCmd(env *Env) *cobra.Command {
	var verbose, human bool
	cmd := &cobra.Command{
		Use:   "count-objects [-v] [-H]",
		Short: "Count the objects of the repository and the space they take",
		Long: `Print the number of loose objects and the space they take, as git count-objects
does; with -v also the objects and size of the packs, the loose objects packs also
hold (prune-packable) and files that are neither (garbage). -H prints sizes in
KiB, MiB, GiB.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := env.OpenRepo(cmd.Context())
			if err != nil {
				return err
			}
			c := prune.Count(r.Objects)
			out := bufio.NewWriter(env.IO.Out)
			defer out.Flush()
			size := func(n int64) string {
				if human {
					return humanBytes(n)
				}
				return strconv.FormatInt(n/1024, 10)
			}
			if !verbose {
				if human {
					fmt.Fprintf(out, "%d objects, %s\n", c.Count, humanBytes(c.Size))
				} else {
					fmt.Fprintf(out, "%d objects, %d kilobytes\n", c.Count, c.Size/1024)
				}
				return nil
			}
			show := objectPathDisplay(r)
			out.Flush()
			for _, g := range c.GarbageFiles {
				why, path, _ := strings.Cut(g, ": ")
				fmt.Fprintf(env.IO.Err, "warning: %s: %s\n", why, show(path))
			}
			fmt.Fprintf(out, "count: %d\nsize: %s\nin-pack: %d\npacks: %d\nsize-pack: %s\nprune-packable: %d\ngarbage: %d\nsize-garbage: %s\n",
				c.Count, size(c.Size), c.InPack, c.Packs, size(c.SizePack), c.PrunePackable, c.Garbage, size(c.SizeGarbage))
			for _, a := range c.Alternates {
				fmt.Fprintf(out, "alternate: %s\n", quoteCPath(a))
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "report packs, prune-packable objects and garbage too")
	cmd.Flags().BoolVarP(&human, "human-readable", "H", false, "print sizes in human-readable units")
	return cmd
}

// humanBytes is git's strbuf_humanise_bytes.
func humanBytes(n int64) string {
	switch {
	case n > 1<<30:
		return fmt.Sprintf("%d.%02d GiB", n>>30, (n&(1<<30-1))/10737419)
	case n > 1<<20:
		x := n + 5243 // round to the hundredth of a MiB
		return fmt.Sprintf("%d.%02d MiB", x>>20, ((x&(1<<20-1))*100)>>20)
	case n > 1<<10:
		x := n + 5
		return fmt.Sprintf("%d.%02d KiB", x>>10, ((x&(1<<10-1))*100)>>10)
	case n == 1:
		return "1 byte"
	}
	return fmt.Sprintf("%d bytes", n)
}

// quoteCPath quotes a path as git's quote_c_style does when it must.
func quoteCPath(p string) string {
	if !strings.ContainsAny(p, "\"\\\n\t") {
		return p
	}
	return strconv.Quote(p)
}
