package repo

import "strings"

// OverwriteError is the one error for an operation that would destroy
// local state: files with local changes (staged or not) that it must
// change, and untracked files where it must write. Its text is git's
// (unpack-trees), naming the operation. It wraps ErrWouldOverwrite.
type OverwriteError struct {
	Op        string   // "checkout", "merge" (the default), …
	Modified  []string // local changes in the way
	Untracked []string // untracked files in the way
	// Dirs are directories standing where a file goes that hold
	// untracked files (git's ERROR_NOT_UPTODATE_DIR).
	Dirs     []string
	Strategy string // set when a merge strategy's run was refused ("ort")
	// ReadTree: the refusal came from git's read-tree, which a merge into
	// an unborn branch runs; git prints its terse error for the first
	// path in the way then, and exits 128.
	ReadTree bool
	first    firstRefusal
}

// firstRefusal is the refusal git's unpack-trees meets first, where it
// stops at the first (reset --merge and --keep): kind is the list it is
// in, path as shown, walked the path whose visit
// found it, late set for an index entry visited after the trees' paths.
type firstRefusal struct {
	kind         refusalKind
	path, walked string
	late         bool
}

// refusalKind is the list of an OverwriteError a path is in.
type refusalKind int

const (
	refusedNone refusalKind = iota
	refusedModified
	// refusedStaged: a staged change in the way (the index holds neither
	// tree's entry), in Modified too; git's plumbing words it apart.
	refusedStaged
	refusedDir
	refusedUntracked
)

// First is git's report of the first refusal alone, as reset prints it:
// unpack-trees without show_all_errors stops at the first path in its
// walk that is in the way.
func (e *OverwriteError) First() string {
	switch {
	case e.first.kind == refusedModified:
		return "error: Entry '" + e.first.path + "' not uptodate. Cannot merge."
	case e.first.kind == refusedStaged:
		return "error: Entry '" + e.first.path + "' would be overwritten by merge. Cannot merge."
	case e.first.kind == refusedDir:
		return "error: Updating '" + e.first.path + "' would lose untracked files in it"
	case e.first.kind == refusedUntracked:
		return "error: Untracked working tree file '" + e.first.path + "' would be overwritten by merge."
	}
	return ""
}

func (e *OverwriteError) Error() string { return strings.Join(e.blocks(), "\n") }

// Report is the refusal as git prints it: each block an error, then
// "Aborting" (and which merge strategy failed, when one ran).
func (e *OverwriteError) Report() string {
	if e.ReadTree {
		// read-tree stops at the first path in the way and names it
		// alone; the merge that ran it dies.
		return e.First() + "\nfatal: read-tree failed"
	}
	s := "error: " + strings.Join(e.blocks(), "\nerror: ") + "\nAborting"
	if e.Strategy != "" {
		s += "\nMerge with strategy " + e.Strategy + " failed."
	}
	return s
}

func (e *OverwriteError) blocks() []string {
	op := e.Op
	if op == "" {
		op = "merge"
	}
	action := op
	if op == "checkout" {
		action = "switch branches"
	}
	var parts []string
	block := func(head string, paths []string, tail string) {
		if len(paths) == 0 {
			return
		}
		var b strings.Builder
		b.WriteString(head)
		for _, p := range paths {
			b.WriteString("\n\t" + p)
		}
		b.WriteString("\n" + tail)
		parts = append(parts, b.String())
	}
	block("Your local changes to the following files would be overwritten by "+op+":", e.Modified,
		"Please commit your changes or stash them before you "+action+".")
	// git's message for directories has no advice: its list ends in an
	// empty line.
	block("Updating the following directories would lose untracked files in them:", e.Dirs, "")
	block("The following untracked working tree files would be overwritten by "+op+":", e.Untracked,
		"Please move or remove them before you "+action+".")
	return parts
}

func (e *OverwriteError) Unwrap() error { return ErrWouldOverwrite }

// refusal is a command's refusal in git's words; err is the sentinel that
// picks the exit code.
type refusal struct {
	msg string
	err error
}

func (e *refusal) Error() string { return e.msg }
func (e *refusal) Unwrap() error { return e.err }
