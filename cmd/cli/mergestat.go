package cli

import (
	"context"
	"io"
	"strings"

	"easel.dev/easel/merge/linediff"
	"easel.dev/easel/repo"
	"easel.dev/easel/repo/patch"
)

// printMergeStat prints what git merge and pull print after a
// fast-forward or a merge commit: the --stat of the old tree against the
// new one, then the --summary lines (created, deleted, renamed files).
// merge.stat=false turns it off, as in git.
func printMergeStat(ctx context.Context, w io.Writer, env *Env, r *repo.Repository, out *repo.MergeOutcome) error {
	if !r.ConfigBool("merge.stat", true) || out.OldHead.IsZero() {
		return nil
	}
	from, err := r.TreeOf(out.OldHead)
	if err != nil {
		return err
	}
	to := out.Tree
	if to.IsZero() {
		if to, err = r.TreeOf(out.NewHead); err != nil {
			return err
		}
	}
	ro := r.RenameConfig("diff")
	patches, err := r.TreeDiff(ctx, from, to, nil, &ro, true)
	if err != nil {
		return err
	}
	if len(patches) == 0 {
		return nil
	}
	entries := make([]patch.StatEntry, 0, len(patches))
	var summary []string
	for _, p := range patches {
		add, del, bin := patch.Counts(p, linediff.Myers)
		entries = append(entries, patch.StatEntry{Name: patch.StatName(p), Added: add, Deleted: del, Binary: bin})
		summary = append(summary, patch.SummaryLines(p)...)
	}
	if err := patch.WriteStat(w, entries, statWidth(env), env.IO.Color); err != nil {
		return err
	}
	if len(summary) == 0 {
		return nil
	}
	_, err = io.WriteString(w, strings.Join(summary, "\n")+"\n")
	return err
}

// mergeStatWanted says whether a merge's outcome gets a diffstat: after a
// fast-forward (a squash one too) or a merge commit, not after a stop.
func mergeStatWanted(out *repo.MergeOutcome) bool {
	return out.Kind == repo.MergeFastForward || out.Kind == repo.MergeCommitted
}
