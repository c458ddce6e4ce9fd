package cli

import (
	"bufio"
	"context"
	"io"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
)

func init() { register(newLogCmd) }

type logOptions struct {
	diffFormat
	Patch    bool
	Revs     []string
	Paths    []string
	Oneline  bool
	Max      int
	Graph    bool
	JSON     bool
	Decorate string
}

// digitCount collects git's "-<n>" shorthand (easel log -3): each digit is
// registered as a flag of its own, and this value appends them in order.
type digitCount struct {
	s   *string
	set bool
}

func (d *digitCount) String() string { return "" }
func (d *digitCount) Type() string   { return "digit" }
func (d *digitCount) Set(v string) error {
	if !d.set {
		// A new "-<n>" group starts a new number.
		*d.s = ""
	}
	*d.s += v
	return nil
}

// addDigitFlags registers hidden flags -0 … -9 that spell a count.
func addDigitFlags(cmd *cobra.Command, dst *string) {
	for c := '0'; c <= '9'; c++ {
		v := &digitCount{s: dst, set: true}
		f := cmd.Flags().VarPF(v, "digit-"+string(c), string(c), "")
		f.NoOptDefVal = string(c)
		f.Hidden = true
	}
}

func newLogCmd(env *Env) *cobra.Command {
	var o logOptions
	var digits string
	cmd := &cobra.Command{
		Use:   "log [<revision>...] [-- <path>...]",
		Short: "Show commit history",
		Long: `Show the commits reachable from the given revisions (default HEAD), newest
first by commit date, as git log does. "a..b" shows commits in b but not in a,
"^a" hides commits reachable from a. Paths after "--" keep only commits that
changed them. Reading the first N commits of a long history reads about N
commits; --graph needs the whole history first.`,
		Example: `  easel log
  easel log --oneline -n 10
  easel log -5 main
  easel log --graph --oneline
  easel log main..feature
  easel log --json -n 1
  easel log -- docs/
  easel log -p -n 2
  easel log --stat`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if dash := cmd.ArgsLenAtDash(); dash >= 0 {
				o.Revs, o.Paths = args[:dash], args[dash:]
			} else {
				o.Revs = args
			}
			if digits != "" {
				n, err := strconv.Atoi(digits)
				if err != nil {
					return &UsageError{Msg: "bad count -" + digits}
				}
				o.Max = n
			}
			return runLog(cmd.Context(), env, o)
		},
	}
	cmd.Flags().BoolVar(&o.Oneline, "oneline", false, "one line per commit: abbreviated id and subject")
	cmd.Flags().IntVarP(&o.Max, "max-count", "n", -1, "show at most this many commits")
	cmd.Flags().BoolVar(&o.Graph, "graph", false, "draw the history graph left of the commits")
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print a JSON array of commits")
	cmd.Flags().StringVar(&o.Decorate, "decorate", "auto", "show ref names next to commits: short, no, or auto (only on a terminal)")
	cmd.Flags().Lookup("decorate").NoOptDefVal = "short"
	cmd.Flags().BoolVarP(&o.Patch, "patch", "p", false, "show each commit's changes as a patch")
	o.addFlags(cmd)
	addDigitFlags(cmd, &digits)
	return cmd
}

func runLog(ctx context.Context, env *Env, o logOptions) error {
	r, err := env.OpenRepo(ctx)
	if err != nil {
		return err
	}
	include, exclude, err := r.ResolveRange(ctx, o.Revs)
	if err != nil {
		return err
	}
	if o.JSON && (o.Graph || o.Oneline) {
		return &UsageError{Msg: "--json cannot be combined with --graph or --oneline"}
	}
	changes := o.Patch || o.Stat || o.NameOnly || o.NameStatus
	if changes && (o.Graph || o.JSON) {
		return &UsageError{Msg: "-p, --stat, --name-only and --name-status cannot be combined with --graph or --json"}
	}
	w, err := r.Log(ctx, repo.LogOptions{Include: include, Exclude: exclude, Paths: o.Paths, Topo: o.Graph})
	if err != nil {
		return err
	}
	out := bufio.NewWriterSize(env.IO.Out, 64<<10)
	defer out.Flush()

	if o.JSON {
		list := []repo.CommitJSON{}
		for n := 0; o.Max < 0 || n < o.Max; n++ {
			c, err := w.Next(ctx)
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			list = append(list, repo.NewCommitJSON(c))
		}
		return writeJSON(out, list)
	}

	f := repo.CommitFormat{Abbrev: r.NewAbbreviator(), Color: env.IO.Color}
	switch o.Decorate {
	case "short":
	case "auto":
		if !env.IO.OutTerminal {
			break
		}
	case "no":
	default:
		return &UsageError{Msg: "--decorate must be short, no or auto"}
	}
	if o.Decorate == "short" || (o.Decorate == "auto" && env.IO.OutTerminal) {
		if f.Decorations, err = r.LoadDecorations(); err != nil {
			return err
		}
	}
	var graph *repo.Graph
	if o.Graph {
		graph = repo.NewGraph()
	}
	for n := 0; o.Max < 0 || n < o.Max; n++ {
		c, err := w.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if err := writeLogEntry(out, c, f, graph, o.Oneline, n == 0); err != nil {
			return err
		}
		if changes {
			sep := "\n"
			if o.Oneline {
				sep = ""
			}
			// As git: the patch is limited to the paths the log is.
			if err := writeCommitChanges(ctx, out, env, r, c, o.diffFormat, sep, repo.Pathspec(o.Paths)); err != nil {
				return err
			}
		}
	}
	return out.Flush()
}

// writeLogEntry prints one commit, with the graph drawn left of each line
// when graph is set.
func writeLogEntry(out io.Writer, c *object.Commit, f repo.CommitFormat, graph *repo.Graph, oneline, first bool) error {
	var text strings.Builder
	var err error
	if oneline {
		err = repo.WriteCommitOneline(&text, c, f)
	} else {
		err = repo.WriteCommitMedium(&text, c, f)
	}
	if err != nil {
		return err
	}
	if graph == nil {
		if !first && !oneline {
			if _, err := io.WriteString(out, "\n"); err != nil {
				return err
			}
		}
		_, err := io.WriteString(out, text.String())
		return err
	}
	graph.Update(c)
	var b strings.Builder
	if !first && !oneline {
		b.WriteString(graph.Padding() + "\n")
	}
	for {
		prefix, isCommit := graph.NextLine()
		b.WriteString(prefix)
		if isCommit {
			break
		}
		b.WriteString("\n")
	}
	lines := strings.SplitAfter(strings.TrimSuffix(text.String(), "\n"), "\n")
	for i, l := range lines {
		if i > 0 {
			prefix, _ := graph.NextLine()
			b.WriteString(prefix)
		}
		b.WriteString(l)
	}
	b.WriteString("\n")
	for !graph.Finished() {
		prefix, _ := graph.NextLine()
		b.WriteString(prefix + "\n")
	}
	_, err = io.WriteString(out, b.String())
	return err
}
