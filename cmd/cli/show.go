package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
	"easel.dev/easel/repo/gitobj"
	"easel.dev/easel/repo/patch"
	"easel.dev/easel/repo/pathspec"
	"easel.dev/easel/repo/pretty"
)

func init() { register(newShowCmd) }

type showOptions struct {
	diffFormat
	commitStyle
	NoPatch bool
	Revs    []string
	// Paths (after "--") limit the changes shown.
	Paths []string
	ps    pathspec.Pathspec
	// Max is -n/-<n>: with it, or with a range among the revisions,
	// show walks history as log does.
	Max int

	style  logStyle            // from commitStyle
	format pretty.CommitFormat // ids, dates and refs for it
}

func newShowCmd(env *Env) *cobra.Command {
	var o showOptions
	var digits string
	cmd := &cobra.Command{
		Use:   "show [<object>...]",
		Short: "Show a commit with its changes, or a tag, tree or file",
		Long: `Show objects as git show does: a commit's header and message followed by its
changes against its first parent; an annotated tag's header and message and
then what it points at; a tree's entries; a file's contents. The default
object is HEAD.`,
		Example: `  easel show
  easel show HEAD~2
  easel show --stat v1.0
  easel show --name-only main
  easel show HEAD:README.md
  easel show HEAD^{tree}
  easel show -s --format=%H%n%an%n%s HEAD
  easel show --oneline --stat`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Revs = args
			if dash := cmd.ArgsLenAtDash(); dash >= 0 {
				o.Revs, o.Paths = args[:dash], args[dash:]
			}
			if len(o.Revs) == 0 {
				o.Revs = []string{"HEAD"}
			}
			if digits != "" {
				n, err := strconv.Atoi(digits)
				if err != nil {
					return &UsageError{Msg: "bad count -" + digits}
				}
				o.Max = n
			}
			return runShow(cmd.Context(), env, o)
		},
	}
	addDigitFlags(cmd, &digits)
	cmd.Flags().IntVarP(&o.Max, "max-count", "n", -1, "walk history and show at most this many commits")
	cmd.Flags().BoolVar(&o.NoPatch, "quiet", false, "same as --no-patch")
	o.addFlags(cmd)
	o.addStyleFlags(cmd)
	cmd.Flags().BoolVarP(&o.NoPatch, "no-patch", "s", false, "show no changes, only the commit's header and message")
	return cmd
}

func runShow(ctx context.Context, env *Env, o showOptions) error {
	r, err := env.OpenRepo(ctx)
	if err != nil {
		return err
	}
	if err := o.setRenames(r); err != nil {
		return err
	}
	style, fullID, dateMode, err := o.settle()
	if err != nil {
		return err
	}
	if len(o.Paths) > 0 {
		if o.ps, err = parsePathspec(env, r, o.Paths); err != nil {
			return err
		}
	}
	out := bufio.NewWriterSize(env.IO.Out, 64<<10)
	defer out.Flush()
	o.format = pretty.CommitFormat{Abbrev: r.NewAbbreviator(), Color: env.IO.Color, Date: dateMode, Now: time.Now(), FullID: fullID}
	o.mailmap(ctx, r, &o.format)
	o.style = style
	if o.usesRefs() {
		if o.format.Decorations, err = r.LoadDecorations(repo.DecorateOptions{}); err != nil {
			return err
		}
	}
	first := true
	if o.walks() {
		if err := showWalk(ctx, out, env, r, o, &first); err != nil {
			return err
		}
		return out.Flush()
	}
	for _, rev := range o.Revs {
		h, err := r.ResolveRevision(ctx, rev)
		if err != nil {
			return err
		}
		if err := showObject(ctx, out, env, r, rev, h, o, &first); err != nil {
			return err
		}
	}
	return out.Flush()
}

// walks says whether show walks history as log does: git's show turns
// its no-walk off for a range ("a..b", "^a b") or a count (-n, -<n>).
func (o showOptions) walks() bool {
	if o.Max >= 0 {
		return true
	}
	for _, rev := range o.Revs {
		if strings.HasPrefix(rev, "^") || strings.Contains(rev, "..") {
			return true
		}
	}
	return false
}

// showWalk shows the commits of the revisions' range, newest first.
func showWalk(ctx context.Context, w io.Writer, env *Env, r *repo.Repository, o showOptions, first *bool) error {
	start := &repo.LogStart{Revs: o.Revs}
	if err := r.ResolveLogStart(ctx, start); err != nil {
		return err
	}
	walk, err := r.WalkLog(ctx, start, repo.LogWalkOptions{Max: o.Max})
	if err != nil {
		return err
	}
	for {
		c, err := walk.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if !*first && (!o.style.compact || o.style.separator) {
			fmt.Fprintln(w)
		}
		*first = false
		if err := showCommit(ctx, w, env, r, c, o); err != nil {
			return err
		}
	}
}

func showObject(ctx context.Context, w io.Writer, env *Env, r *repo.Repository, rev string, h plumbing.Hash, o showOptions, first *bool) error {
	obj, err := r.ReadObject(h)
	if errors.Is(err, repo.ErrCorruptObject) {
		return err
	}
	if err != nil {
		return fmt.Errorf("%s: %v: %w", rev, err, repo.ErrUnknownRevision)
	}
	switch obj := obj.(type) {
	case *gitobj.Commit:
		c := obj
		if !*first && (!o.style.compact || o.style.separator) {
			fmt.Fprintln(w)
		}
		*first = false
		return showCommit(ctx, w, env, r, c, o)
	case *gitobj.Tag:
		t := obj
		*first = false
		// As git: the tagger is left out of the oneline format, and
		// the date is shown only in the default one.
		var b strings.Builder
		b.WriteString(colorIf(env, "\x1b[33m", "tag "+t.Name) + "\n")
		if (t.Tagger.Name != "" || t.Tagger.Email != "") && !o.style.oneline {
			fmt.Fprintf(&b, "Tagger: %s <%s>\n", t.Tagger.Name, t.Tagger.Email)
			if !o.style.compact {
				fmt.Fprintf(&b, "Date:   %s\n", pretty.FormatDate(t.Tagger.When, o.format.Date, o.format.Now))
			}
		}
		b.WriteString("\n" + t.Message)
		if !strings.HasSuffix(t.Message, "\n") && t.Message != "" {
			b.WriteString("\n")
		}
		if !o.style.compact {
			b.WriteString("\n")
		}
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
		*first = true
		return showObject(ctx, w, env, r, rev, t.Target, o, first)
	case *gitobj.Tree:
		t := obj
		if !*first {
			fmt.Fprintln(w)
		}
		*first = false
		var b strings.Builder
		b.WriteString(colorIf(env, "\x1b[33m", "tree "+rev) + "\n\n")
		for _, e := range t.Entries {
			b.WriteString(e.Name)
			if e.Mode == filemode.Dir {
				b.WriteByte('/')
			}
			b.WriteByte('\n')
		}
		_, err = io.WriteString(w, b.String())
		return err
	default:
		*first = false
		data, err := r.ReadBlob(h)
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	}
}

// showCommit prints the header, then the changes against the first parent.
// For a merge git prints a combined diff of what the merge changed beyond
// its parents; easel shows only the header for merges.
func showCommit(ctx context.Context, w io.Writer, env *Env, r *repo.Repository, c *gitobj.Commit, o showOptions) error {
	if o.changeFilter.active() {
		// As git: with --diff-filter, -S or -G only a commit with a
		// change that passes is shown.
		if err := o.changeFilter.settle(); err != nil {
			return err
		}
		if ok, err := o.changeFilter.commitMatches(ctx, r, c, &o.renames, o.ps); err != nil || !ok {
			return err
		}
	}
	if len(o.Paths) > 0 {
		// As git: with paths, a commit that leaves them as one of its
		// parents had them is not shown.
		same, err := sameAsAParent(ctx, r, c, o.ps)
		if err != nil || same {
			return err
		}
	}
	if err := o.style.write(w, c, o.format); err != nil {
		return err
	}
	if o.NoPatch {
		return nil
	}
	sep := "\n"
	if o.style.oneline {
		sep = ""
	}
	return writeCommitChanges(ctx, w, env, r, c, o.diffFormat, sep, o.ps)
}

// sameAsAParent says whether c changes nothing in paths against one of
// its parents (against the empty tree for a root commit).
func sameAsAParent(ctx context.Context, r *repo.Repository, c *gitobj.Commit, paths pathspec.Pathspec) (bool, error) {
	parents := c.ParentHashes
	if len(parents) == 0 {
		parents = []plumbing.Hash{plumbing.ZeroHash}
	}
	for _, p := range parents {
		var tree plumbing.Hash
		if !p.IsZero() {
			t, err := r.TreeOf(p)
			if err != nil {
				return false, err
			}
			tree = t
		}
		patches, err := r.DiffTrees(ctx, tree, c.TreeHash, paths)
		if err != nil {
			return false, err
		}
		if len(patches) == 0 {
			return true, nil
		}
	}
	return false, nil
}

// writeCommitChanges prints a commit's changes to paths (all when empty)
// against its first parent in format f, after sep; nothing for a merge (as
// git show and git log -p).
func writeCommitChanges(ctx context.Context, w io.Writer, env *Env, r *repo.Repository, c *gitobj.Commit, f diffFormat, sep string, paths pathspec.Pathspec) error {
	if len(c.ParentHashes) > 1 {
		return nil
	}
	var parent plumbing.Hash
	if len(c.ParentHashes) == 1 {
		parent = c.ParentHashes[0]
	}
	return writeChangesFrom(ctx, w, env, r, c, parent, f, sep, paths)
}

// writeChangesFrom prints what c changed since parent (the empty tree
// when zero), as writeCommitChanges does for a commit's only parent.
func writeChangesFrom(ctx context.Context, w io.Writer, env *Env, r *repo.Repository, c *gitobj.Commit, parent plumbing.Hash, f diffFormat, sep string, paths pathspec.Pathspec) error {
	var parentTree plumbing.Hash
	if !parent.IsZero() {
		pt, err := r.TreeOf(parent)
		if err != nil {
			return err
		}
		parentTree = pt
	}
	patches, err := r.TreeDiff(ctx, parentTree, c.TreeHash, paths, &f.renames, false)
	if err != nil {
		return err
	}
	if patches, err = f.changeFilter.filter(r, patches, false); err != nil {
		return err
	}
	return writeFoundChanges(w, env, r, patches, f, sep)
}

// writeFoundChanges prints a commit's changes, already filtered, after
// sep; nothing when there are none.
func writeFoundChanges(w io.Writer, env *Env, r *repo.Repository, patches []patch.FilePatch, f diffFormat, sep string) error {
	if len(patches) == 0 {
		return nil
	}
	f.settleFormats()
	if sep == "\n" && f.Stat && (f.WithPatch || f.onlyPatch()) {
		// As git's log_tree_diff_flush: a stat followed by the patch is
		// set off from the message by "---".
		sep = "---\n"
	}
	if _, err := io.WriteString(w, sep); err != nil {
		return err
	}
	return writePatches(w, env, r, patches, f, false)
}
