package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
)

func init() {
	register(newConfigCmd)
	RegisterExitCode(repo.ErrConfigKey, ExitUsage)
	RegisterExitCode(repo.ErrCommitAborted, ExitConflict)
}

type configOptions struct {
	Args   []string
	Global bool
	Local  bool
	Unset  bool
	List   bool
	GetAll bool
	JSON   bool
}

func newConfigCmd(env *Env) *cobra.Command {
	var o configOptions
	cmd := &cobra.Command{
		Use:   "config [--global] <key> [<value>] | --unset <key> | --list",
		Short: "Get and set repository or global options",
		Long: `Read or write configuration in git's files: the repository's .git/config, or with
--global the user's ~/.gitconfig (or $XDG_CONFIG_HOME/git/config when that exists
and ~/.gitconfig does not). Reading looks at the global files, then the
repository's, the last value winning. Keys are section.name or
section.subsection.name (e.g. user.email, remote.origin.url).

A key that is not set exits with status 1 and prints nothing.`,
		Example: `  easel config user.name "Ada Lovelace"
  easel config --global user.email ada@example.com
  easel config user.email
  easel config --unset core.editor
  easel config --list
  easel config --list --json`,
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Args = args
			return runConfig(cmd.Context(), env, o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.Global, "global", false, "use the global file")
	f.BoolVar(&o.Local, "local", false, "use the repository's file only")
	f.BoolVar(&o.Unset, "unset", false, "remove the key")
	f.BoolVarP(&o.List, "list", "l", false, "list every setting")
	f.BoolVar(&o.GetAll, "get-all", false, "print every value of a multi-valued key")
	f.BoolVar(&o.JSON, "json", false, "with --list: print JSON")
	return cmd
}

func runConfig(ctx context.Context, env *Env, o configOptions) error {
	if o.Global && o.Local {
		return &UsageError{Msg: "--global and --local cannot be used together"}
	}
	r, err := env.OpenRepo(ctx)
	if err != nil {
		if !errors.Is(err, repo.ErrNotRepository) {
			return err
		}
		if !o.Global && (o.Local || len(o.Args) == 2 || o.Unset) {
			return err
		}
		r = nil
	}
	switch {
	case o.List:
		if len(o.Args) > 0 || o.Unset {
			return &UsageError{Msg: "--list takes no key"}
		}
		scope := ""
		if o.Global {
			scope = "global"
		} else if o.Local {
			scope = "local"
		}
		entries, err := r.ConfigList(scope)
		if err != nil {
			return err
		}
		if o.JSON {
			type ent struct {
				Key   string `json:"key"`
				Value string `json:"value"`
				Scope string `json:"scope"`
			}
			out := []ent{}
			for _, e := range entries {
				out = append(out, ent{e.Key, e.Value, e.Scope})
			}
			return writeJSON(env.IO.Out, out)
		}
		for _, e := range entries {
			fmt.Fprintf(env.IO.Out, "%s=%s\n", e.Key, e.Value)
		}
		return nil
	case o.Unset:
		if len(o.Args) != 1 {
			return &UsageError{Msg: "--unset takes exactly one key"}
		}
		err := r.ConfigUnset(o.Args[0], o.Global)
		if errors.Is(err, repo.ErrNotFound) {
			return &ExitError{Code: 1}
		}
		return err
	case len(o.Args) == 2:
		return r.ConfigSet(o.Args[0], o.Args[1], o.Global)
	case len(o.Args) == 1:
		var vals []string
		if o.Global || o.Local {
			entries, err := r.ConfigList(map[bool]string{true: "global", false: "local"}[o.Global])
			if err != nil {
				return err
			}
			want, err := repo.CanonicalConfigKey(o.Args[0])
			if err != nil {
				return err
			}
			for _, e := range entries {
				if e.Key == want {
					vals = append(vals, e.Value)
				}
			}
		} else if vals, err = r.ConfigGetAll(o.Args[0]); err != nil {
			return err
		}
		if len(vals) == 0 {
			return &ExitError{Code: 1}
		}
		if !o.GetAll {
			vals = vals[len(vals)-1:]
		}
		for _, v := range vals {
			fmt.Fprintln(env.IO.Out, v)
		}
		return nil
	}
	return &UsageError{Msg: "a key is required; see 'easel config --help'"}
}
