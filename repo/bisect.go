package repo

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/merge/commitwalk"
	"easel.dev/easel/repo/pretty"
)

// A bisection keeps its state where git keeps it, so that git and easel can
// carry on each other's: BISECT_START (where it started), BISECT_TERMS,
// BISECT_LOG, BISECT_NAMES (the paths), BISECT_FIRST_PARENT,
// BISECT_ANCESTORS_OK, BISECT_EXPECTED_REV, BISECT_HEAD (--no-checkout) and
// the refs refs/bisect/<bad>, refs/bisect/<good>-<id> and
// refs/bisect/skip-<id>.

// Bisect results, as git's enum bisect_error: the exit code of a command
// is minus the result, the successes (found, merge base to test) 0.
const (
	BisectOK              = 0
	BisectFailed          = -1
	BisectOnlySkippedLeft = -2
	BisectMergeBaseCheck  = -3
	BisectNoTestable      = -4
	BisectFound           = -10
	BisectMergeBaseTest   = -11
)

// BisectExit is the exit code of a bisect command ending with res.
func BisectExit(res int) int {
	if res == BisectFound || res == BisectMergeBaseTest || res == 0 {
		return 0
	}
	return -res & 0xff
}

// Bisect runs bisection commands on a repository. Checkout and Show are
// how the work tree is moved ("git checkout [-q] <rev> --") and how the
// first bad commit is shown ("git show --stat --summary ..."); both are
// commands of their own, as they are for git.
type Bisect struct {
	R        *Repository
	Out, Err io.Writer
	// Checkout checks rev out, quietly or not; it reports its own errors.
	Checkout func(rev string, quiet bool) error
	// Show shows commit h as git bisect shows the first bad commit.
	Show func(h plumbing.Hash, out io.Writer) error
	// IsTerminal: the standard input is a terminal (git asks before
	// bisecting with a bad commit alone).
	IsTerminal bool

	Bad, Good string // the terms
}

func (b *Bisect) path(name string) string { return filepath.Join(b.R.WorktreeGitDir, name) }

func (b *Bisect) errorf(format string, a ...any) int {
	fmt.Fprintf(b.Err, "error: "+format+"\n", a...)
	return BisectFailed
}

func emptyOrMissing(path string) bool {
	fi, err := os.Stat(path)
	return err != nil || fi.Size() == 0
}

// ReadTerms loads the terms of BISECT_TERMS (bad and good without it).
func (b *Bisect) ReadTerms() bool {
	b.Bad, b.Good = "bad", "good"
	data, err := os.ReadFile(b.path("BISECT_TERMS"))
	if err != nil {
		return false
	}
	lines := strings.SplitN(string(data), "\n", 3)
	if len(lines) >= 2 {
		b.Bad, b.Good = lines[0], lines[1]
	}
	return true
}

var builtinBisectCommands = []string{"help", "start", "skip", "next", "reset", "visualize", "view", "replay", "log", "run", "terms"}

func oneOf(s string, list ...string) bool {
	for _, l := range list {
		if s == l {
			return true
		}
	}
	return false
}

func (b *Bisect) checkTermFormat(term, orig string) int {
	if ValidateRefName("refs/bisect/"+term) != nil {
		return b.errorf("'%s' is not a valid term", term)
	}
	if oneOf(term, builtinBisectCommands...) {
		return b.errorf("can't use the builtin command '%s' as a term", term)
	}
	if (orig != "bad" && oneOf(term, "bad", "new")) || (orig != "good" && oneOf(term, "good", "old")) {
		return b.errorf("can't change the meaning of the term '%s'", term)
	}
	return 0
}

func (b *Bisect) writeTerms(bad, good string) int {
	if bad == good {
		return b.errorf("please use two different terms")
	}
	if res := b.checkTermFormat(bad, "bad"); res != 0 {
		return res
	}
	if res := b.checkTermFormat(good, "good"); res != 0 {
		return res
	}
	if err := os.WriteFile(b.path("BISECT_TERMS"), []byte(bad+"\n"+good+"\n"), 0o666); err != nil {
		return b.errorf("could not open the file BISECT_TERMS: %v", err)
	}
	return 0
}

func (b *Bisect) checkAndSetTerms(cmd string) int {
	if oneOf(cmd, "skip", "start", "terms") {
		return 0
	}
	hasTerms := !emptyOrMissing(b.path("BISECT_TERMS"))
	if hasTerms && cmd != b.Bad && cmd != b.Good {
		return b.errorf("Invalid command: you're currently in a %s/%s bisect", b.Bad, b.Good)
	}
	if !hasTerms {
		switch cmd {
		case "bad", "good":
			b.Bad, b.Good = "bad", "good"
			return b.writeTerms(b.Bad, b.Good)
		case "new", "old":
			b.Bad, b.Good = "new", "old"
			return b.writeTerms(b.Bad, b.Good)
		}
	}
	return 0
}

// subject is the commit's subject as git's "%s".
func (b *Bisect) subject(h plumbing.Hash) string {
	c, err := b.R.CommitObject(h)
	if err != nil {
		return ""
	}
	return pretty.Subject(c.Message)
}

func (b *Bisect) appendLog(s string) error {
	f, err := os.OpenFile(b.path("BISECT_LOG"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o666)
	if err != nil {
		return err
	}
	_, err = f.WriteString(s)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// write is git's bisect_write: the ref of a state, and the log.
func (b *Bisect) write(ctx context.Context, state, rev string, nolog bool) int {
	var ref string
	switch {
	case state == b.Bad:
		ref = "refs/bisect/" + state
	case state == b.Good || state == "skip":
		ref = "refs/bisect/" + state + "-" + rev
	default:
		return b.errorf("Bad bisect_write argument: %s", state)
	}
	h, err := b.R.ResolveRevision(ctx, rev)
	if err != nil {
		return b.errorf("couldn't get the oid of the rev '%s'", rev)
	}
	if err := b.R.UpdateRef(ctx, RefUpdate{Name: plumbing.ReferenceName(ref), New: h}); err != nil {
		return b.errorf("%v", err)
	}
	if c, err := b.R.ResolveCommit(ctx, h.String()); err == nil {
		h = c
	}
	msg := fmt.Sprintf("# %s: [%s] %s\n", state, h, b.subject(h))
	if !nolog {
		msg += fmt.Sprintf("git bisect %s %s\n", state, rev)
	}
	if err := b.appendLog(msg); err != nil {
		return b.errorf("could not open '%s' for appending", b.path("BISECT_LOG"))
	}
	return 0
}

// writePseudoRef writes a ref such as BISECT_EXPECTED_REV in the git
// directory.
func (b *Bisect) writePseudoRef(name string, h plumbing.Hash) error {
	return os.WriteFile(b.path(name), []byte(h.String()+"\n"), 0o666)
}

// readPseudoRef reads a per-work-tree file holding one id, as the
// sequencer's state files are read.
func (b *Bisect) readPseudoRef(name string) (plumbing.Hash, bool) {
	return b.R.readHeadFile(name)
}

// CleanState is git's bisect_clean_state.
func (b *Bisect) CleanState(ctx context.Context) int {
	refs, err := b.R.ListRefs("refs/bisect/")
	if err == nil {
		var ups []RefUpdate
		for _, ref := range refs {
			ups = append(ups, RefUpdate{Name: plumbing.ReferenceName(ref.Name), NoDeref: true})
		}
		if len(ups) > 0 {
			if err := b.R.UpdateRefs(ctx, ups); err != nil {
				b.errorf("%v", err)
				return BisectFailed
			}
		}
	}
	for _, name := range []string{"BISECT_HEAD", "BISECT_EXPECTED_REV", "BISECT_ANCESTORS_OK", "BISECT_LOG", "BISECT_NAMES", "BISECT_RUN", "BISECT_TERMS", "BISECT_FIRST_PARENT", "BISECT_START"} {
		if err := os.Remove(b.path(name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(b.Err, "warning: unable to unlink '%s': %v\n", b.path(name), err)
		}
	}
	return 0
}

// bisectRefs are the bad commit, the good ones and the skipped ones, in
// the order of their refs' names.
type bisectRefs struct {
	bad     plumbing.Hash
	hasBad  bool
	good    []plumbing.Hash
	skipped []plumbing.Hash
}

func (b *Bisect) readRefs() (bisectRefs, error) {
	var out bisectRefs
	refs, err := b.R.ListRefs("refs/bisect/")
	if err != nil {
		return out, err
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].Name < refs[j].Name })
	for _, ref := range refs {
		name := strings.TrimPrefix(string(ref.Name), "refs/bisect/")
		h, err := b.R.ResolveRef(plumbing.ReferenceName(ref.Name))
		if err != nil {
			continue
		}
		switch {
		case name == b.Bad:
			out.bad, out.hasBad = h, true
		case strings.HasPrefix(name, b.Good+"-"):
			out.good = append(out.good, h)
		case strings.HasPrefix(name, "skip-"):
			out.skipped = append(out.skipped, h)
		}
	}
	return out, nil
}

const (
	vocabBad  = "bad|new"
	vocabGood = "good|old"
)

// nextCheck is git's bisect_next_check.
func (b *Bisect) nextCheck(current string) int {
	br, _ := b.readRefs()
	missingBad, missingGood := !br.hasBad, len(br.good) == 0
	if !missingBad && !missingGood {
		return 0
	}
	if current == "" {
		return BisectFailed
	}
	if missingGood && !missingBad && current == b.Good {
		fmt.Fprintf(b.Err, "warning: bisecting only with a %s commit\n", b.Bad)
		if !b.IsTerminal {
			return 0
		}
		fmt.Fprint(b.Err, "Are you sure [Y/n]? ")
		line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
		if strings.HasPrefix(line, "N") || strings.HasPrefix(line, "n") {
			return BisectFailed
		}
		return 0
	}
	if !emptyOrMissing(b.path("BISECT_START")) {
		return b.errorf("You need to give me at least one %s and one %s revision.\nYou can use \"git bisect %s\" and \"git bisect %s\" for that.", vocabBad, vocabGood, vocabBad, vocabGood)
	}
	return b.errorf("You need to start by \"git bisect start\".\nYou then need to give me at least one %s and one %s revision.\nYou can use \"git bisect %s\" and \"git bisect %s\" for that.", vocabGood, vocabBad, vocabGood, vocabBad)
}

// Ready reports whether both a bad commit and a good one are known.
func (b *Bisect) Ready() bool { return b.nextCheck("") == 0 }

func (b *Bisect) printStatus() {
	br, _ := b.readRefs()
	nrGood := len(br.good)
	var msg string
	switch {
	case nrGood > 0 && br.hasBad:
		return
	case nrGood == 0 && !br.hasBad:
		msg = "status: waiting for both good and bad commits\n"
	case nrGood == 1:
		msg = fmt.Sprintf("status: waiting for bad commit, %d good commit known\n", nrGood)
	case nrGood > 1:
		msg = fmt.Sprintf("status: waiting for bad commit, %d good commits known\n", nrGood)
	default:
		msg = "status: waiting for good commit(s), bad commit known\n"
	}
	// git prints the status and logs it as a comment.
	fmt.Fprint(b.Out, msg)
	b.appendLog("# " + msg)
}

// AutoNext is git's bisect_auto_next.
func (b *Bisect) AutoNext(ctx context.Context) int {
	if b.nextCheck("") != 0 {
		b.printStatus()
		return BisectOK
	}
	return b.Next(ctx)
}

func (b *Bisect) autostart() int {
	if !emptyOrMissing(b.path("BISECT_START")) {
		return 0
	}
	fmt.Fprintf(b.Err, "You need to start by \"git bisect start\"\n\n")
	return BisectFailed
}

// Next is git's bisect_next: the next commit to test, or the end.
func (b *Bisect) Next(ctx context.Context) int {
	if b.autostart() != 0 {
		return BisectFailed
	}
	if b.nextCheck(b.Good) != 0 {
		return BisectFailed
	}
	res := b.nextAll(ctx)
	switch res {
	case BisectFound:
		br, _ := b.readRefs()
		if err := b.appendLog(fmt.Sprintf("# first %s commit: [%s] %s\n", b.Bad, br.bad, b.subject(br.bad))); err != nil {
			return b.errorf("could not open '%s' for appending", b.path("BISECT_LOG"))
		}
	case BisectOnlySkippedLeft:
		if r := b.skippedCommits(ctx); r != 0 {
			return r
		}
	}
	return res
}

// skippedCommits logs the commits that may be the first bad one.
func (b *Bisect) skippedCommits(ctx context.Context) int {
	br, err := b.readRefs()
	if err != nil {
		return b.errorf("%v", err)
	}
	var include []plumbing.Hash
	if br.hasBad {
		include = append(include, br.bad)
	}
	var sb strings.Builder
	sb.WriteString("# only skipped commits left to test\n")
	if len(include) > 0 {
		w, err := b.R.Log(ctx, LogOptions{Include: include, Exclude: br.good})
		if err != nil {
			return b.errorf("revision walk setup failed")
		}
		for {
			c, err := w.Next(ctx)
			if err != nil {
				break
			}
			fmt.Fprintf(&sb, "# possible first %s commit: [%s] %s\n", b.Bad, c.Hash, pretty.Subject(c.Message))
		}
	}
	if err := b.appendLog(sb.String()); err != nil {
		return b.errorf("could not open '%s' for appending", b.path("BISECT_LOG"))
	}
	return 0
}

// Paths are the paths the bisection is limited to (BISECT_NAMES).
func (b *Bisect) Paths() []string {
	data, err := os.ReadFile(b.path("BISECT_NAMES"))
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		args, ok := SqDequote(line)
		if !ok {
			continue
		}
		out = append(out, args...)
	}
	return out
}

// checkout is git's bisect_checkout.
func (b *Bisect) checkout(h plumbing.Hash, noCheckout bool) int {
	if err := b.writePseudoRef("BISECT_EXPECTED_REV", h); err != nil {
		return b.errorf("%v", err)
	}
	if noCheckout {
		if err := b.writePseudoRef("BISECT_HEAD", h); err != nil {
			return b.errorf("%v", err)
		}
	} else if err := b.Checkout(h.String(), true); err != nil {
		return BisectFailed
	}
	fmt.Fprintf(b.Out, "[%s] %s\n", h, b.subject(h))
	return BisectOK
}

// checkGoodAreAncestorsOfBad is git's check_good_are_ancestors_of_bad.
func (b *Bisect) checkGoodAreAncestorsOfBad(ctx context.Context, br bisectRefs, noCheckout bool) int {
	if !br.hasBad {
		return b.errorf("a %s revision is needed", b.Bad)
	}
	okFile := b.path("BISECT_ANCESTORS_OK")
	if fi, err := os.Stat(okFile); err == nil && fi.Mode().IsRegular() {
		return 0
	}
	if len(br.good) == 0 {
		return 0
	}
	res := 0
	// Some good commit is not an ancestor of the bad one when
	// "good ^bad" lists anything.
	g := commitwalk.For(b.R.Storer)
	all := true
	for _, good := range br.good {
		ok, err := g.IsAncestor(ctx, good, br.bad)
		if err != nil {
			return b.errorf("%v", err)
		}
		if !ok {
			all = false
			break
		}
	}
	if !all {
		res = b.checkMergeBases(ctx, br, noCheckout)
	}
	if res == 0 {
		if f, err := os.OpenFile(okFile, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600); err != nil {
			fmt.Fprintf(b.Err, "warning: could not create file '%s': %v\n", okFile, err)
		} else {
			f.Close()
		}
	}
	return res
}

func hexList(hs []plumbing.Hash) string {
	s := make([]string, len(hs))
	for i, h := range hs {
		s[i] = h.String()
	}
	return strings.Join(s, " ")
}

func (b *Bisect) checkMergeBases(ctx context.Context, br bisectRefs, noCheckout bool) int {
	bases, err := b.R.MergeBasesMany(ctx, br.bad, br.good)
	if err != nil {
		return b.errorf("%v", err)
	}
	for _, mb := range bases {
		switch {
		case mb == br.bad:
			return b.handleBadMergeBase(br)
		case containsHash(br.good, mb):
			continue
		case containsHash(br.skipped, mb):
			fmt.Fprintf(b.Err, "warning: the merge base between %s and [%s] must be skipped.\nSo we cannot be sure the first %s commit is between %s and %s.\nWe continue anyway.\n", br.bad, hexList(br.good), b.Bad, mb, br.bad)
		default:
			fmt.Fprintf(b.Out, "Bisecting: a merge base must be tested\n")
			res := b.checkout(mb, noCheckout)
			if res == 0 {
				res = BisectMergeBaseTest
			}
			return res
		}
	}
	return 0
}

func (b *Bisect) handleBadMergeBase(br bisectRefs) int {
	if exp, ok := b.readPseudoRef("BISECT_EXPECTED_REV"); ok && exp == br.bad {
		bad, good := br.bad.String(), hexList(br.good)
		switch {
		case b.Bad == "bad" && b.Good == "good":
			fmt.Fprintf(b.Err, "The merge base %s is bad.\nThis means the bug has been fixed between %s and [%s].\n", bad, bad, good)
		case b.Bad == "new" && b.Good == "old":
			fmt.Fprintf(b.Err, "The merge base %s is new.\nThe property has changed between %s and [%s].\n", bad, bad, good)
		default:
			fmt.Fprintf(b.Err, "The merge base %s is %s.\nThis means the first '%s' commit is between %s and [%s].\n", bad, b.Bad, b.Good, bad, good)
		}
		return BisectMergeBaseCheck
	}
	fmt.Fprintf(b.Err, "Some %s revs are not ancestors of the %s rev.\ngit bisect cannot work properly in this case.\nMaybe you mistook %s and %s revs?\n", b.Good, b.Bad, b.Good, b.Bad)
	return BisectFailed
}

// EstimateSteps is git's estimate_bisect_steps.
func EstimateSteps(all int) int {
	if all < 3 {
		return 0
	}
	n := 0
	for v := all; v > 1; v >>= 1 {
		n++
	}
	e := 1 << n
	x := all - e
	if e < 3*x {
		return n
	}
	return n - 1
}

// nextAll is git's bisect_next_all.
func (b *Bisect) nextAll(ctx context.Context) int {
	_, noCheckout := b.readPseudoRef("BISECT_HEAD")
	if !noCheckout {
		noCheckout = fileExists(b.path("BISECT_HEAD"))
	}
	br, err := b.readRefs()
	if err != nil {
		b.errorf("reading bisect refs failed")
		return BisectFailed
	}
	firstParent := fileExists(b.path("BISECT_FIRST_PARENT"))
	all := len(br.skipped) > 0
	if res := b.checkGoodAreAncestorsOfBad(ctx, br, noCheckout); res != 0 {
		return res
	}
	w := &bisectWalk{r: b.R, cw: commitwalk.For(b.R.Storer), nodes: map[plumbing.Hash]*bisectNode{}, firstParent: firstParent}
	for _, p := range b.Paths() {
		if p == "--" {
			continue
		}
		w.paths = append(w.paths, strings.Trim(p, "/"))
	}
	limited, err := w.limit(ctx, []plumbing.Hash{br.bad}, br.good)
	if err != nil {
		return b.errorf("%v", err)
	}
	found := findBisection(limited, firstParent, all)
	skipped := map[plumbing.Hash]bool{}
	for _, h := range br.skipped {
		skipped[h] = true
	}
	list, tried := managedSkipped(found.list, skipped, br.bad)
	if len(list) == 0 {
		if len(tried) > 0 {
			return b.onlySkipped(tried, nil)
		}
		fmt.Fprintf(b.Out, "%s was both %s and %s\n", br.bad, b.Good, b.Bad)
		return BisectFailed
	}
	if found.all == 0 {
		fmt.Fprintf(b.Err, "No testable commit found.\nMaybe you started with bad path arguments?\n")
		return BisectNoTestable
	}
	rev := list[0].id
	if rev == br.bad {
		if len(tried) > 0 {
			return b.onlySkipped(tried, &br.bad)
		}
		fmt.Fprintf(b.Out, "%s is the first %s commit\n", rev, b.Bad)
		if b.Show != nil {
			if err := b.Show(rev, b.Out); err != nil {
				fmt.Fprintf(b.Err, "fatal: unable to start 'show' for object '%s'\n", rev)
				return BisectFailed
			}
		}
		return BisectFound
	}
	nr := found.all - found.reaches - 1
	steps := EstimateSteps(found.all)
	stepWord, revWord := "steps", "revisions"
	if steps == 1 {
		stepWord = "step"
	}
	if nr == 1 {
		revWord = "revision"
	}
	fmt.Fprintf(b.Out, "Bisecting: %d %s left to test after this (roughly %d %s)\n", nr, revWord, steps, stepWord)
	return b.checkout(rev, noCheckout)
}

func (b *Bisect) onlySkipped(tried []*bisectNode, bad *plumbing.Hash) int {
	fmt.Fprintf(b.Out, "There are only 'skip'ped commits left to test.\nThe first %s commit could be any of:\n", b.Bad)
	for _, n := range tried {
		fmt.Fprintf(b.Out, "%s\n", n.id)
	}
	if bad != nil {
		fmt.Fprintf(b.Out, "%s\n", *bad)
	}
	fmt.Fprintf(b.Out, "We cannot bisect more!\n")
	return BisectOnlySkippedLeft
}
