package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"easel.dev/easel/repo/repack"
)

func init() { register(newRepackCmd) }

func newRepackCmd(env *Env) *cobra.Command {
	var o repack.Options
	var quiet, noUpdateServerInfo bool
	cmd := &cobra.Command{
		Use:   "repack [-a] [-A] [-d] [-f] [-F] [-l] [-q] [--window=<n>] [--depth=<n>]",
		Short: "Pack objects with delta compression",
		Long: `Pack the repository's objects as git repack does. Without -a, the reachable
objects that are still loose go into a new pack; with -a, every object reachable
from the refs, the HEAD, reflogs and index of every work tree goes into one new
pack. Objects are stored as deltas against similar ones (a window of --window
candidates, chains of at most --depth deltas); deltas and entries of the
existing packs are copied as they are unless -f (search deltas again) or -F
(compress everything again) is given.

With -d, the packs and loose objects the new pack makes redundant are removed,
only once it is safely on disk; with -A -d, the unreachable objects of the old
packs are kept as loose objects (for prune to expire) rather than dropped.
Packs with a .keep file are left alone.`,
		Example: `  easel repack -a -d
  easel repack -adf --window=250 --depth=50
  easel repack -q`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.Loosen {
				o.All = true
			}
			if cmd.Flags().Changed("window") && o.Pack.Window == 0 {
				o.Pack.Window = -1 // no delta search at all
			}
			r, err := env.OpenRepo(cmd.Context())
			if err != nil {
				return err
			}
			o.UpdateServerInfo = !noUpdateServerInfo && r.ConfigBool("repack.updateServerInfo", true)
			_, err = repack.Run(r.Objects, r.GitDir, o)
			if errors.Is(err, repack.ErrNothing) {
				if !quiet {
					fmt.Fprintln(env.IO.Out, "Nothing new to pack.")
				}
				return nil
			}
			return err
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.All, "all", "a", false, "pack every reachable object into one pack")
	f.BoolVarP(&o.Loosen, "unreachable-loose", "A", false, "like -a; with -d, keep unreachable objects of old packs loose")
	f.BoolVarP(&o.Delete, "delete", "d", false, "remove redundant packs and loose objects")
	f.BoolVarP(&o.Pack.NoReuseDelta, "no-reuse-delta", "f", false, "search every delta again")
	f.BoolVarP(&o.Pack.NoReuseObject, "no-reuse-object", "F", false, "compress every object again")
	f.BoolVarP(&o.Local, "local", "l", false, "leave out objects borrowed from alternates")
	f.BoolVarP(&quiet, "quiet", "q", false, "print nothing")
	f.BoolVarP(&noUpdateServerInfo, "no-update-server-info", "n", false, "do not update info/refs and objects/info/packs")
	f.StringArrayVar(&o.KeepPacks, "keep-pack", nil, "leave this pack (pack-<id>.pack) as it is")
	f.IntVar(&o.Pack.Window, "window", 0, "delta candidates tried per object (default 10)")
	f.IntVar(&o.Pack.Depth, "depth", 0, "longest delta chain (default 50)")
	f.IntVar(&o.Pack.Threads, "threads", 0, "delta search threads (default: one per CPU)")
	return cmd
}
