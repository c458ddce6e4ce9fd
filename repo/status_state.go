package repo

import (
	"fmt"
	"os"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// What git's long status says of an operation in progress (wt-status.c's
// wt_longstatus_print_state): a rebase with its last and next commands,
// a cherry-pick or a revert. A merge is reported by the status itself.

// RebaseStatusHead is the first line of git's long status during a rebase
// ("interactive rebase in progress; onto <abbrev>"); ok is false when no
// rebase is in progress.
func (r *Repository) RebaseStatusHead() (line string, ok bool) {
	if !r.RebaseInProgress() {
		return "", false
	}
	onto, _ := r.readRebaseLine("onto")
	if id, isHex := parseFullHex(onto); isHex {
		onto = r.NewAbbreviator().ShortID(id)
	}
	if r.rebaseFileExists("interactive") {
		return "interactive rebase in progress; onto " + onto, true
	}
	return "rebase in progress; onto " + onto, true
}

// InProgressSection is the section git's long status prints for a rebase,
// cherry-pick or revert in progress, ending with its blank line; nil when
// none is. unmerged: the index has conflicts; amend: commit --amend is
// being prepared (no amend hints); merging: MERGE_HEAD exists, whose own
// section the caller prints (after a rebase's todo summary).
func (r *Repository) InProgressSection(unmerged, amend, merging bool) []string {
	switch {
	case merging && r.RebaseInProgress() && r.rebaseFileExists("interactive"):
		return append(r.rebaseTodoSummary(), "")
	case merging:
		return nil
	case r.RebaseInProgress():
		return r.rebaseInProgress(unmerged, amend)
	}
	return r.pickInProgress(unmerged)
}

// CherryPicking reports a stopped cherry-pick (CHERRY_PICK_HEAD).
func (r *Repository) CherryPicking() bool { return r.refExists(cherryPickHeadFile) }

// rebaseInProgress is git's show_rebase_in_progress.
func (r *Repository) rebaseInProgress(unmerged, amend bool) []string {
	var lines []string
	if r.rebaseFileExists("interactive") {
		lines = r.rebaseTodoSummary()
	}
	branch, _ := r.readRebaseLine("head-name")
	branch = strings.TrimPrefix(branch, "refs/heads/")
	if branch == "detached HEAD" {
		branch = ""
	}
	onto, _ := r.readRebaseLine("onto")
	if id, ok := parseFullHex(onto); ok {
		onto = r.NewAbbreviator().ShortID(id)
	}
	doing := func(what, alone string) string {
		if branch != "" {
			return fmt.Sprintf("You are currently %s branch '%s' on '%s'.", what, branch, onto)
		}
		return alone
	}
	switch {
	case unmerged:
		lines = append(lines, doing("rebasing", "You are currently rebasing."),
			"  (fix conflicts and then run \"easel rebase --continue\")",
			"  (use \"easel rebase --skip\" to skip this patch)",
			"  (use \"easel rebase --abort\" to check out the original branch)")
	case r.refExists(mergeMsgFile):
		lines = append(lines, doing("rebasing", "You are currently rebasing."),
			"  (all conflicts fixed: run \"easel rebase --continue\")")
	case r.splittingCommit():
		lines = append(lines, doing("splitting a commit while rebasing", "You are currently splitting a commit during a rebase."),
			"  (Once your working directory is clean, run \"easel rebase --continue\")")
	default:
		lines = append(lines, doing("editing a commit while rebasing", "You are currently editing a commit during a rebase."))
		if !amend {
			lines = append(lines, "  (use \"easel commit --amend\" to amend the current commit)",
				"  (use \"easel rebase --continue\" once you are satisfied with your changes)")
		}
	}
	return append(lines, "")
}

// splittingCommit is git's split_commit_in_progress: a commit stopped for
// editing was reset away from.
func (r *Repository) splittingCommit() bool {
	if b, _ := r.HeadBranch(); b != "" {
		return false
	}
	head, err := r.Head()
	if err != nil {
		return false
	}
	orig, ok := r.readHeadFile(origHeadFile)
	if !ok {
		return false
	}
	amend, ok1 := r.readRebaseLine("amend")
	origHead, ok2 := r.readRebaseLine("orig-head")
	switch {
	case !ok1 || !ok2:
		return false
	case amend == origHead:
		return head.String() != amend
	default:
		return orig.String() != origHead
	}
}

// rebaseTodoSummary is git's show_rebase_information: the last two
// commands done and the next two to do, object ids abbreviated.
func (r *Repository) rebaseTodoSummary() []string {
	done := r.todoLines("done")
	todo := r.todoLines("git-rebase-todo")
	var lines []string
	if len(done) == 0 {
		lines = append(lines, "No commands done.")
	} else {
		if len(done) == 1 {
			lines = append(lines, "Last command done (1 command done):")
		} else {
			lines = append(lines, fmt.Sprintf("Last commands done (%d commands done):", len(done)))
		}
		for _, l := range done[max(len(done)-2, 0):] {
			lines = append(lines, "   "+l)
		}
		if len(done) > 2 {
			lines = append(lines, "  (see more in file "+r.displayGitPath(rebaseDir+"/done")+")")
		}
	}
	if len(todo) == 0 {
		lines = append(lines, "No commands remaining.")
	} else {
		if len(todo) == 1 {
			lines = append(lines, "Next command to do (1 remaining command):")
		} else {
			lines = append(lines, fmt.Sprintf("Next commands to do (%d remaining commands):", len(todo)))
		}
		for _, l := range todo[:min(len(todo), 2)] {
			lines = append(lines, "   "+l)
		}
		lines = append(lines, "  (use \"easel rebase --edit-todo\" to view and edit)")
	}
	return lines
}

// todoLines reads a todo file as git's read_rebase_todolist: comments and
// blank lines skipped, the id of each command abbreviated.
func (r *Repository) todoLines(name string) []string {
	data, err := os.ReadFile(r.rebasePath(name))
	if err != nil {
		return nil
	}
	ab := r.NewAbbreviator()
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if !strings.HasPrefix(line, "exec ") && !strings.HasPrefix(line, "x ") && !strings.HasPrefix(line, "label ") && !strings.HasPrefix(line, "l ") {
			parts := strings.SplitN(line, " ", 3)
			if len(parts) >= 2 {
				if id, ok := parseFullHex(parts[1]); ok && r.Objects.Has(id) {
					parts[1] = ab.ShortID(id)
					line = strings.Join(parts, " ")
				}
			}
		}
		out = append(out, line)
	}
	return out
}

// pickInProgress is git's show_cherry_pick_in_progress and
// show_revert_in_progress.
func (r *Repository) pickInProgress(unmerged bool) []string {
	what, name, verb := "", "", ""
	var id plumbing.Hash
	if items, err := r.readSeqTodo(); err == nil && len(items) > 0 {
		// A sequence: git 2.39 names the action of its todo list and no
		// commit, even when one is stopped.
		what, name = "cherry-pick", "Cherry-pick"
		if items[0].kind == kindRevert {
			what, name = "revert", "Revert"
		}
	} else if h, ok := r.readHeadFile(cherryPickHeadFile); ok {
		what, name, verb, id = "cherry-pick", "Cherry-pick", "cherry-picking", h
	} else if h, ok := r.readHeadFile(revertHeadFile); ok {
		what, name, verb, id = "revert", "Revert", "reverting", h
	} else {
		return nil
	}
	var lines []string
	if id.IsZero() {
		lines = append(lines, name+" currently in progress.")
	} else {
		lines = append(lines, fmt.Sprintf("You are currently %s commit %s.", verb, r.NewAbbreviator().ShortID(id)))
	}
	switch {
	case unmerged:
		lines = append(lines, "  (fix conflicts and run \"easel "+what+" --continue\")")
	case id.IsZero():
		lines = append(lines, "  (run \"easel "+what+" --continue\" to continue)")
	default:
		lines = append(lines, "  (all conflicts fixed: run \"easel "+what+" --continue\")")
	}
	return append(lines, "  (use \"easel "+what+" --skip\" to skip this patch)", "  (use \"easel "+what+" --abort\" to cancel the "+what+" operation)", "")
}
