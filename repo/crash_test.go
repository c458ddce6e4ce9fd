package repo_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"easel.dev/easel/cmd/easel/easeltest"
	"easel.dev/easel/internal/gittest"
)

// Crash tests for the local commands: `easel add`, `easel commit` and
// `easel merge` are killed with SIGKILL at random points, and two writers
// race in one repository. After every kill the repository must pass git
// fsck --strict (dangling objects allowed), HEAD and the index must be at
// their old or their new state and readable by git, and the command must
// succeed when run again: at most after removing a lock file that the
// error message names.
//
// EASEL_CRASH_ROUNDS multiplies the default number of kills (e.g. 20 for a
// long run); EASEL_CRASH_SEED replays one run.

func crashScale(t *testing.T) int { return easeltest.CrashRounds(t, 1) }

func crashRand(t *testing.T) *mrand.Rand { return easeltest.CrashRand(t) }

// buildBin builds the easel command (before HOME is pinned).
func buildBin(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	return easeltest.Build(t)
}

// pinIdentity is gittest.Pin without colour in easel's output.
func pinIdentity(t *testing.T) {
	gittest.Pin(t)
	t.Setenv("NO_COLOR", "1")
}

var gitOut = gittest.Git

func easelRun(t *testing.T, bin, dir string, args ...string) (int, string) {
	t.Helper()
	return easeltest.Run(t, bin, dir, args...)
}

func easelKilled(t *testing.T, bin, dir string, d time.Duration, args ...string) bool {
	t.Helper()
	return easeltest.RunKilled(t, bin, dir, d, args...)
}

func timed(f func()) time.Duration {
	start := time.Now()
	f()
	return time.Since(start)
}

func writeTestFile(t *testing.T, p string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func randomText(n int) []byte {
	b := make([]byte, n/2)
	rand.Read(b)
	return []byte(hex.EncodeToString(b) + "\n")
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// fsckClean runs git fsck --strict; dangling objects (written by a command
// killed before it referenced them) are allowed, nothing else is.
func fsckClean(t *testing.T, dir, when string) {
	t.Helper()
	out, err := exec.Command("git", "-C", dir, "fsck", "--strict", "--no-progress").CombinedOutput()
	if err != nil {
		t.Fatalf("%s: git fsck --strict: %v\n%s", when, err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line != "" && !strings.HasPrefix(line, "dangling ") {
			t.Fatalf("%s: git fsck --strict: %s\n%s", when, line, out)
		}
	}
}

// lockMessage matches the error every easel command gives for a lock file
// that exists; the path is in the message so that a person can remove it.
var lockMessage = regexp.MustCompile(`unable to create '([^']+\.lock)': file exists; another easel or git process seems to be running in this repository; if it died, remove the file and try again`)

// rerun runs the command again after a kill. Exit 8 must name an existing
// lock file; the lock is then removed, as the message says, and the
// command tried again. It returns the final exit code and output, and the
// locks it had to remove.
func rerun(t *testing.T, bin, dir string, args ...string) (int, string, []string) {
	t.Helper()
	var removed []string
	for i := 0; ; i++ {
		code, out := easelRun(t, bin, dir, args...)
		if code != 8 {
			return code, out, removed
		}
		m := lockMessage.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("easel %v: exit 8 without naming the lock file:\n%s", args, out)
		}
		if _, err := os.Stat(m[1]); err != nil {
			t.Fatalf("easel %v: the lock file it names does not exist: %v", args, err)
		}
		if i == 10 {
			t.Fatalf("easel %v: still locked after removing %v", args, removed)
		}
		if err := os.Remove(m[1]); err != nil {
			t.Fatal(err)
		}
		removed = append(removed, m[1])
	}
}

// localState is what a kill must leave at its old or its new value.
type localState struct {
	head  string // the commit main points at
	index string // git ls-files -s: the index as git reads it
}

func readState(t *testing.T, dir string) localState {
	t.Helper()
	// git status reads (and would refuse) a corrupt index; --porcelain
	// keeps it from rewriting anything.
	gitOut(t, dir, "status", "--porcelain")
	return localState{head: gitOut(t, dir, "rev-parse", "refs/heads/main"), index: gitOut(t, dir, "ls-files", "-s")}
}

func staleLocks(dir string) []string {
	var out []string
	filepath.WalkDir(filepath.Join(dir, ".git"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".lock") {
			out = append(out, strings.TrimPrefix(p, dir+string(filepath.Separator)))
		}
		return nil
	})
	return out
}

// TestCrashCommandKilledDuringAddAndCommit kills `easel add -A` (hundreds
// of new files and a file of several MiB) and `easel commit -a` (the same
// files changed, so commit stores them) at random points.
func TestCrashCommandKilledDuringAddAndCommit(t *testing.T) {
	bin := buildBin(t)
	pinIdentity(t)
	rnd := crashRand(t)
	rounds := 8 * crashScale(t)
	dir := t.TempDir()
	if code, out := easelRun(t, bin, dir, "init", "-q", "."); code != 0 {
		t.Fatalf("init: %d %s", code, out)
	}
	writeTestFile(t, filepath.Join(dir, "README"), []byte("crash test\n"))
	easelRun(t, bin, dir, "add", "README")
	if code, out := easelRun(t, bin, dir, "commit", "-q", "-m", "start"); code != 0 {
		t.Fatalf("commit: %d %s", code, out)
	}
	fill := func(round int) {
		d := filepath.Join(dir, "r"+strconv.Itoa(round/2))
		for j := 0; j < 150; j++ {
			writeTestFile(t, filepath.Join(d, fmt.Sprintf("f%03d.txt", j)), randomText(2048))
		}
		writeTestFile(t, filepath.Join(d, "big.bin"), randomBytes((2+rnd.IntN(3))<<20))
	}
	// Calibrate: how long the two commands take here, unkilled.
	fill(0)
	spanAdd := timed(func() { easelRun(t, bin, dir, "add", "-A") })
	easelRun(t, bin, dir, "commit", "-q", "-m", "calibrate")
	fill(1)
	spanCommit := timed(func() { easelRun(t, bin, dir, "commit", "-q", "-a", "-m", "calibrate 2") })
	t.Logf("add -A takes %v, commit -a %v", spanAdd, spanCommit)

	killed, locksLeft, moved, indexAfterCommit := 0, 0, 0, 0
	for round := 2; round < rounds+2; round++ {
		fill(round) // even rounds: new files for add; odd: the same files changed, for commit -a
		old := readState(t, dir)
		var args []string
		span := spanAdd
		if round%2 == 0 {
			args = []string{"add", "-A"}
		} else {
			args, span = []string{"commit", "-q", "-a", "-m", fmt.Sprintf("round %d", round)}, spanCommit
		}
		if easelKilled(t, bin, dir, time.Duration(rnd.Int64N(int64(span)*13/10+1)), args...) {
			killed++
		}
		when := fmt.Sprintf("round %d, easel %s killed", round, args[0])
		locks := staleLocks(dir)
		if len(locks) > 0 {
			locksLeft++
		}
		fsckClean(t, dir, when)
		mid := readState(t, dir)
		if mid.head != old.head {
			moved++
			if args[0] == "add" {
				t.Fatalf("%s: add moved main from %s to %s", when, old.head, mid.head)
			}
			if p := gitOut(t, dir, "rev-parse", mid.head+"^"); p != old.head {
				t.Fatalf("%s: main is at %s whose parent is %s, not the old head %s", when, mid.head, p, old.head)
			}
		}
		code, out, _ := rerun(t, bin, dir, args...)
		// commit -a after a kill that had already made the commit finds
		// nothing to commit (exit 6); anything else must succeed.
		if code != 0 && !(code == 6 && args[0] == "commit" && mid.head != old.head) {
			t.Fatalf("%s: running it again: exit %d\n%s", when, code, out)
		}
		fsckClean(t, dir, when+", then run again")
		final := readState(t, dir)
		if mid.index != old.index && mid.index != final.index {
			t.Fatalf("%s: the index is neither the old one nor the new one:\n%s", when, mid.index)
		}
		if mid.head != old.head && mid.head != final.head {
			t.Fatalf("%s: main was at %s, then moved again to %s", when, mid.head, final.head)
		}
		if args[0] == "commit" && code == 6 && mid.index == old.index && gitOut(t, dir, "status", "--porcelain") != "" {
			// Killed after the branch moved but before the index was
			// renamed into place (git's commit has the same order): the
			// commit is made, the index is the old one, and commit -a
			// again has nothing to commit and leaves it so. The work
			// tree matches the commit; `easel reset` brings the index
			// along (docs/reliability.md).
			if err := exec.Command("git", "-C", dir, "diff", "--quiet", "HEAD").Run(); err != nil {
				t.Fatalf("%s: the work tree does not match the commit that was made: %v", when, err)
			}
			if c, o, _ := rerun(t, bin, dir, "reset", "-q"); c != 0 {
				t.Fatalf("%s: easel reset: exit %d\n%s", when, c, o)
			}
			indexAfterCommit++
		}
		if args[0] == "commit" {
			if s := gitOut(t, dir, "status", "--porcelain"); s != "" {
				t.Fatalf("%s: after running it again the work tree is not clean:\n%s", when, s)
			}
		} else if s := gitOut(t, dir, "status", "--porcelain", "--untracked-files=all"); strings.Contains(s, "??") {
			t.Fatalf("%s: after running it again files are still untracked:\n%s", when, s)
		}
	}
	if killed == 0 {
		t.Fatal("no command was killed while running: the kills all came too late")
	}
	t.Logf("%d rounds, %d killed mid-command, %d left a lock file behind, %d had moved main, %d of them with the old index", rounds, killed, locksLeft, moved, indexAfterCommit)
}

// TestCrashStaleLockMessage: a lock left by a killed process makes every
// writer stop with exit 8 and a message naming the lock, and changes
// nothing; once the lock is removed the command works.
func TestCrashStaleLockMessage(t *testing.T) {
	bin := buildBin(t)
	pinIdentity(t)
	dir := t.TempDir()
	easelRun(t, bin, dir, "init", "-q", ".")
	writeTestFile(t, filepath.Join(dir, "a.txt"), []byte("a\n"))
	easelRun(t, bin, dir, "add", "a.txt")
	if code, out := easelRun(t, bin, dir, "commit", "-q", "-m", "a"); code != 0 {
		t.Fatalf("commit: %d %s", code, out)
	}
	easelRun(t, bin, dir, "branch", "other")
	writeTestFile(t, filepath.Join(dir, "a.txt"), []byte("a2\n"))
	for _, tc := range []struct {
		lock string
		args []string
	}{
		{".git/index.lock", []string{"add", "a.txt"}},
		{".git/index.lock", []string{"commit", "-a", "-m", "x"}},
		{".git/refs/heads/main.lock", []string{"commit", "-a", "-m", "x"}},
		{".git/index.lock", []string{"merge", "other"}},
		{".git/refs/heads/main.lock", []string{"merge", "other"}},
	} {
		before := readState(t, dir)
		lock := filepath.Join(dir, filepath.FromSlash(tc.lock))
		writeTestFile(t, lock, nil)
		code, out := easelRun(t, bin, dir, tc.args...)
		if code != 8 {
			t.Errorf("easel %v with a stale %s: exit %d, want 8 (locked)\n%s", tc.args, tc.lock, code, out)
		}
		if m := lockMessage.FindStringSubmatch(out); m == nil || m[1] != lock {
			t.Errorf("easel %v with a stale %s: the message does not name it:\n%s", tc.args, tc.lock, out)
		}
		if after := readState(t, dir); after != before {
			t.Errorf("easel %v with a stale %s changed the repository: %+v -> %+v", tc.args, tc.lock, before, after)
		}
		if _, err := os.Stat(lock); err != nil {
			t.Errorf("easel %v removed the lock it did not own: %v", tc.args, err)
		}
		os.Remove(lock)
	}
	if code, out := easelRun(t, bin, dir, "commit", "-q", "-a", "-m", "x"); code != 0 {
		t.Fatalf("commit after removing the locks: %d %s", code, out)
	}
}

// TestCrashCommandKilledDuringMerge kills `easel merge` (a true merge that
// writes hundreds of files and a large one into the work tree) at random
// points. A merge killed after it started writing the work tree cannot just
// be run again, as with git: the documented recovery is to remove the lock
// the error names, `easel reset --hard`, and remove the untracked files the
// next merge lists (the killed merge wrote them); the merge must then
// succeed.
func TestCrashCommandKilledDuringMerge(t *testing.T) {
	bin := buildBin(t)
	pinIdentity(t)
	rnd := crashRand(t)
	rounds := 6 * crashScale(t)
	dir := t.TempDir()
	easelRun(t, bin, dir, "init", "-q", ".")
	for j := 0; j < 300; j++ {
		writeTestFile(t, filepath.Join(dir, "a", fmt.Sprintf("f%03d.txt", j)), randomText(1024))
	}
	easelRun(t, bin, dir, "add", "-A")
	easelRun(t, bin, dir, "commit", "-q", "-m", "base")
	easelRun(t, bin, dir, "branch", "other")
	easelRun(t, bin, dir, "switch", "-q", "other")
	for j := 0; j < 300; j += 2 {
		writeTestFile(t, filepath.Join(dir, "a", fmt.Sprintf("f%03d.txt", j)), randomText(1024))
	}
	for j := 0; j < 200; j++ {
		writeTestFile(t, filepath.Join(dir, "b", fmt.Sprintf("n%03d.txt", j)), randomText(2048))
	}
	writeTestFile(t, filepath.Join(dir, "big.bin"), randomBytes(6<<20))
	easelRun(t, bin, dir, "add", "-A")
	easelRun(t, bin, dir, "commit", "-q", "-m", "other")
	other := gitOut(t, dir, "rev-parse", "HEAD")
	easelRun(t, bin, dir, "switch", "-q", "main")
	writeTestFile(t, filepath.Join(dir, "main.txt"), []byte("main side\n"))
	easelRun(t, bin, dir, "add", "-A")
	easelRun(t, bin, dir, "commit", "-q", "-m", "main")
	start := gitOut(t, dir, "rev-parse", "HEAD")
	startIndex := gitOut(t, dir, "ls-files", "-s")

	// Put main back where it was before a merge; git is the oracle-tool
	// here so that easel's own reset is not what every round depends on.
	restart := func() {
		gitOut(t, dir, "reset", "-q", "--hard", start)
		gitOut(t, dir, "clean", "-q", "-fdx")
		os.Remove(filepath.Join(dir, ".git", "ORIG_HEAD"))
	}
	var mergedIndex string
	span := timed(func() {
		if code, out := easelRun(t, bin, dir, "merge", "other"); code != 0 {
			t.Fatalf("merge: %d %s", code, out)
		}
	})
	mergedIndex = gitOut(t, dir, "ls-files", "-s")
	t.Logf("the merge takes %v", span)

	recoveries := map[string]int{}
	for round := 0; round < rounds; round++ {
		restart()
		easelKilled(t, bin, dir, time.Duration(rnd.Int64N(int64(span)*12/10+1)), "merge", "other")
		when := fmt.Sprintf("round %d, merge killed (locks left: %v)", round, staleLocks(dir))
		fsckClean(t, dir, when)
		mid := readState(t, dir)
		if mid.head != start {
			parents := gitOut(t, dir, "rev-list", "--parents", "-n1", mid.head)
			if parents != mid.head+" "+start+" "+other {
				t.Fatalf("%s: main is at %s with parents %q, want the merge of %s and %s", when, mid.head, parents, start, other)
			}
		}
		if mid.index != startIndex && mid.index != mergedIndex {
			t.Fatalf("%s: the index is neither the one before the merge nor the merged one", when)
		}
		// The documented recovery for a merge cut half way: remove the
		// lock an error names, `easel reset --hard`, remove the untracked
		// files a merge lists as in its way (the killed merge wrote
		// them), merge again. The cycle may take a second turn: a lock
		// taken while the branch moves can be left by the kill.
		var steps []string
		code, out, removed := rerun(t, bin, dir, "merge", "other")
		if len(removed) > 0 {
			steps = append(steps, "removed lock")
		}
		for turn := 0; code != 0; turn++ {
			if turn == 3 {
				st, _ := exec.Command("git", "-C", dir, "status", "--porcelain").CombinedOutput()
				t.Fatalf("%s: after %v the merge still fails: exit %d\n%s\ngit status:\n%s", when, steps, code, out, st)
			}
			if strings.Contains(out, "untracked working tree files would be overwritten by merge") {
				for _, f := range listedFiles(out) {
					if err := os.Remove(filepath.Join(dir, filepath.FromSlash(f))); err != nil {
						t.Fatalf("%s: removing %s listed by the merge: %v", when, f, err)
					}
				}
				steps = append(steps, "removed listed untracked files")
			} else {
				c, o, r := rerun(t, bin, dir, "reset", "-q", "--hard")
				if c != 0 {
					t.Fatalf("%s: merge again: exit %d (%s); then reset --hard: exit %d\n%s", when, code, out, c, o)
				}
				if len(r) > 0 {
					steps = append(steps, "removed lock")
				}
				steps = append(steps, "reset --hard")
			}
			code, out, removed = rerun(t, bin, dir, "merge", "other")
			if len(removed) > 0 {
				steps = append(steps, "removed lock")
			}
		}
		how := strings.Join(append(steps, "merged"), ", ")
		recoveries[how]++
		fsckClean(t, dir, when+", then recovered")
		final := readState(t, dir)
		if final.index != mergedIndex {
			t.Fatalf("%s: after recovery the index is not the merged one", when)
		}
		if parents := gitOut(t, dir, "rev-list", "--parents", "-n1", "HEAD"); parents != final.head+" "+start+" "+other {
			t.Fatalf("%s: after recovery HEAD is %q, want a merge of %s and %s", when, parents, start, other)
		}
		if s := gitOut(t, dir, "status", "--porcelain"); s != "" {
			t.Fatalf("%s: after recovery the work tree is not clean:\n%s", when, s)
		}
	}
	t.Logf("%d kills; recoveries: %v", rounds, recoveries)
}

// listedFiles returns the tab-indented paths of a git-style error message.
func listedFiles(msg string) []string {
	var out []string
	for _, line := range strings.Split(msg, "\n") {
		if f, ok := strings.CutPrefix(line, "\t"); ok && f != "" {
			out = append(out, f)
		}
	}
	return out
}

// TestCrashConcurrentWriters runs two `easel add` and then two `easel
// commit` at once in one repository, many times. Each must succeed or stop
// with the lock error (exit 8); the index and refs are never corrupt, and
// every commit reported as made is on the branch.
func TestCrashConcurrentWriters(t *testing.T) {
	bin := buildBin(t)
	pinIdentity(t)
	rounds := 15 * crashScale(t)
	dir := t.TempDir()
	easelRun(t, bin, dir, "init", "-q", ".")
	writeTestFile(t, filepath.Join(dir, "README"), []byte("x\n"))
	easelRun(t, bin, dir, "add", "README")
	easelRun(t, bin, dir, "commit", "-q", "-m", "start")
	reported := regexp.MustCompile(`^\[main ([0-9a-f]{7,})\]`)
	var made []string
	outcomes := map[string]int{}
	both := func(args func(i int) []string) [2]struct {
		code int
		out  string
	} {
		var res [2]struct {
			code int
			out  string
		}
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cmd := exec.Command(bin, args(i)...)
				cmd.Dir = dir
				var buf bytes.Buffer
				cmd.Stdout, cmd.Stderr = &buf, &buf
				err := cmd.Run()
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					res[i].code = ee.ExitCode()
				} else if err != nil {
					res[i].code = -1
				}
				res[i].out = buf.String()
			}()
		}
		wg.Wait()
		return res
	}
	for round := 0; round < rounds; round++ {
		for i := range 2 {
			for j := 0; j < 20; j++ {
				writeTestFile(t, filepath.Join(dir, fmt.Sprintf("w%d", i), fmt.Sprintf("r%d-%d.txt", round, j)), randomText(512))
			}
		}
		adds := both(func(i int) []string { return []string{"add", fmt.Sprintf("w%d", i)} })
		for i, r := range adds {
			switch {
			case r.code == 0:
				outcomes["add ok"]++
			case r.code == 8 && lockMessage.MatchString(r.out):
				outcomes["add locked"]++
			default:
				t.Fatalf("round %d: add %d: exit %d\n%s", round, i, r.code, r.out)
			}
		}
		commits := both(func(i int) []string { return []string{"commit", "-m", fmt.Sprintf("round %d writer %d", round, i)} })
		for i, r := range commits {
			switch {
			case r.code == 0:
				m := reported.FindStringSubmatch(r.out)
				if m == nil {
					t.Fatalf("round %d: commit %d succeeded without naming its commit:\n%s", round, i, r.out)
				}
				made = append(made, m[1])
				outcomes["commit ok"]++
			case r.code == 8 && lockMessage.MatchString(r.out):
				outcomes["commit locked"]++
			case r.code == 6 && strings.Contains(r.out, "nothing to commit"):
				// The other writer committed everything staged first.
				outcomes["commit nothing to do"]++
			default:
				t.Fatalf("round %d: commit %d: exit %d\n%s", round, i, r.code, r.out)
			}
		}
		if locks := staleLocks(dir); len(locks) > 0 {
			t.Fatalf("round %d: lock files left behind by processes that exited: %v", round, locks)
		}
		readState(t, dir) // git reads the index and the ref
	}
	fsckClean(t, dir, "after the races")
	for _, id := range made {
		if err := exec.Command("git", "-C", dir, "merge-base", "--is-ancestor", id, "main").Run(); err != nil {
			t.Errorf("commit %s was reported as made but is not on main", id)
		}
	}
	if outcomes["commit ok"] == 0 {
		t.Fatal("no commit succeeded")
	}
	t.Logf("%d rounds: %v", rounds, outcomes)
}
