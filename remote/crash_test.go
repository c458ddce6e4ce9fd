package remote

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/cmd/easel/easeltest"
	"easel.dev/easel/repo"
)

// Crash tests: a server or a client is killed with SIGKILL at random points
// and the repositories it was writing must still be whole (git fsck
// --strict), every ref at its old or its new value, and the next attempt
// must succeed without anyone cleaning up by hand.
//
// The default number of kills keeps the tests to seconds; set
// EASEL_CRASH_ROUNDS (e.g. 300) for a longer run and EASEL_CRASH_SEED to
// replay one.

func crashRounds(t *testing.T, def int) int { return easeltest.CrashRounds(t, def) }

func crashRand(t *testing.T) *mrand.Rand { return easeltest.CrashRand(t) }

// serveProc is an `easel serve` child process.
type serveProc struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{}
	mu   sync.Mutex
	log  strings.Builder
}

func startServe(t *testing.T, bin, root string) *serveProc {
	t.Helper()
	p := &serveProc{done: make(chan struct{})}
	p.cmd = exec.Command(bin, "serve", "--root", root, "--addr", "127.0.0.1:0")
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.log.WriteString(line + "\n")
			p.mu.Unlock()
			// "easel serve: listening on http://127.0.0.1:PORT, repositories in ..."
			if rest, ok := strings.CutPrefix(line, "easel serve: listening on "); ok {
				u, _, _ := strings.Cut(rest, ",")
				addr <- u
			}
		}
		p.cmd.Wait()
		close(p.done)
	}()
	select {
	case p.url = <-addr:
	case <-p.done:
		t.Fatalf("easel serve exited at start:\n%s", p.logText())
	case <-time.After(20 * time.Second):
		p.kill()
		t.Fatalf("easel serve did not report its address:\n%s", p.logText())
	}
	return p
}

func (p *serveProc) logText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// kill sends SIGKILL and waits until the process is gone.
func (p *serveProc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// crashWork is a client repository whose commits are made with git.
type crashWork struct {
	t   *testing.T
	dir string
	rnd *mrand.Rand
}

// commit adds a change of the given kind and commits it; it returns the
// new tip of main.
func (w *crashWork) commit(round int, kind string) plumbing.Hash {
	w.t.Helper()
	switch kind {
	case "small":
		writeFile(w.t, filepath.Join(w.dir, "small.txt"), fmt.Sprintf("round %d\n", round))
	case "many":
		for j := 0; j < 150; j++ {
			buf := make([]byte, 1024+w.rnd.IntN(2048))
			rand.Read(buf)
			writeFile(w.t, filepath.Join(w.dir, "many", strconv.Itoa(round), fmt.Sprintf("f%03d.txt", j)), hex.EncodeToString(buf))
		}
	case "large":
		// Random bytes do not compress: the pack is as large as the file,
		// so uploading and indexing it take long enough to be cut.
		buf := make([]byte, (1+w.rnd.IntN(3))<<20)
		rand.Read(buf)
		writeFile(w.t, filepath.Join(w.dir, "big", fmt.Sprintf("%d.bin", round)), string(buf))
	}
	git(w.t, w.dir, "add", "-A")
	git(w.t, w.dir, "commit", "-q", "-m", fmt.Sprintf("round %d (%s)", round, kind))
	return plumbing.NewHash(git(w.t, w.dir, "rev-parse", "HEAD"))
}

// side makes a commit on refs/heads/side (same tree as main, new id), so
// that a push can move two refs in one transaction.
func (w *crashWork) side(round int) plumbing.Hash {
	w.t.Helper()
	args := []string{"commit-tree", "HEAD^{tree}", "-m", fmt.Sprintf("side %d", round)}
	if prev, err := exec.Command("git", "-C", w.dir, "rev-parse", "--verify", "-q", "refs/heads/side").Output(); err == nil {
		args = append(args, "-p", strings.TrimSpace(string(prev)))
	}
	h := git(w.t, w.dir, args...)
	git(w.t, w.dir, "update-ref", "refs/heads/side", h)
	return plumbing.NewHash(h)
}

// orphan makes a root commit holding one large file only, for pushes that
// create a repository: they carry its whole history, so it is kept short.
func (w *crashWork) orphan(round int) plumbing.Hash {
	w.t.Helper()
	p := filepath.Join(w.t.TempDir(), "blob")
	buf := make([]byte, (1+w.rnd.IntN(3))<<20)
	rand.Read(buf)
	writeFile(w.t, p, string(buf))
	blob := git(w.t, w.dir, "hash-object", "-w", p)
	mk := exec.Command("git", "-C", w.dir, "mktree")
	mk.Stdin = strings.NewReader("100644 blob " + blob + "\tbig.bin\n")
	tree, err := mk.Output()
	if err != nil {
		w.t.Fatalf("git mktree: %v", err)
	}
	return plumbing.NewHash(git(w.t, w.dir, "commit-tree", strings.TrimSpace(string(tree)), "-m", fmt.Sprintf("fresh %d", round)))
}

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// pushIn pushes refs from the work repository to server+"/"+name with
// easel's client, as if name were a remote of the same name (so that each
// server repository has its own remote-tracking refs).
func pushIn(ctx context.Context, work, server, name string, refs map[string]plumbing.Hash) error {
	url := server + "/" + name
	r, err := repo.Open(ctx, work)
	if err != nil {
		return err
	}
	c, err := NewClient(url, "")
	if err != nil {
		return err
	}
	rm := repo.Remote{Name: name, URL: url, Fetch: []string{"+refs/heads/*:refs/remotes/" + name + "/*"}}
	var ups []PushRef
	for name, h := range refs {
		ups = append(ups, PushRef{Local: h, Remote: plumbing.ReferenceName(name)})
	}
	_, _, err = Push(ctx, r, rm, c, ups, Options{})
	return err
}

// serverRefs lists the refs of a bare repository as git sees them.
func serverRefs(t *testing.T, dir string) map[string]plumbing.Hash {
	t.Helper()
	out := map[string]plumbing.Hash{}
	for _, line := range strings.Split(git(t, dir, "for-each-ref", "--format=%(refname) %(objectname)"), "\n") {
		if name, id, ok := strings.Cut(line, " "); ok {
			out[name] = plumbing.NewHash(id)
		}
	}
	return out
}

// fsckStrict runs git fsck --strict and fails on anything but dangling
// objects (a kill between making a pack visible and moving the ref leaves
// unreferenced objects, which is allowed).
func fsckStrict(t *testing.T, dir string) {
	t.Helper()
	out, err := exec.Command("git", "-C", dir, "fsck", "--strict", "--no-progress").CombinedOutput()
	if err != nil {
		t.Fatalf("git fsck --strict in %s: %v\n%s", dir, err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		// "notice: HEAD points to an unborn branch": a clone killed
		// before it fetched anything.
		if line != "" && !strings.HasPrefix(line, "dangling ") && !strings.HasPrefix(line, "notice: ") {
			t.Fatalf("git fsck --strict in %s: %s\n%s", dir, line, out)
		}
	}
}

// leftovers lists what an interrupted push can leave in a server root:
// quarantine directories and lock files.
func leftovers(root string) (quarantines, locks []string) {
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		switch {
		case d.IsDir() && strings.HasPrefix(d.Name(), "incoming-"):
			quarantines = append(quarantines, rel)
			return filepath.SkipDir
		case d.IsDir() && filepath.Dir(rel) == ".incoming":
			quarantines = append(quarantines, rel)
			return filepath.SkipDir
		case !d.IsDir() && strings.HasSuffix(d.Name(), ".lock") && rel != ".easel-serve.lock":
			locks = append(locks, rel)
		}
		return nil
	})
	return
}

// waitFor polls cond until it holds or stop is closed.
func waitFor(stop <-chan struct{}, cond func() bool) bool {
	for {
		if cond() {
			return true
		}
		select {
		case <-stop:
			return false
		case <-time.After(100 * time.Microsecond):
		}
	}
}

func hasEntry(dir string, match func(string) bool) bool {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if match(e.Name()) {
			return true
		}
	}
	return false
}

// TestCrashServerKilledDuringPush kills `easel serve` with SIGKILL during
// pushes of one or two refs (some of several MiB, so the kill lands while
// the pack is uploaded, indexed, checked, made visible or while the refs
// move) and checks after every kill, before anything is cleaned up, that
// the repository passes git fsck --strict and each ref is at its old or its
// new value. The server is then restarted on the same root: it must remove
// the quarantines and lock files the kill left, and the same push must then
// go through.
func TestCrashServerKilledDuringPush(t *testing.T) {
	needGit(t)
	bin := buildEasel(t) // before pinEnv: the build needs the real HOME's caches
	pinEnv(t)
	rounds := crashRounds(t, 20)
	rnd := crashRand(t)
	ctx := context.Background()

	root := filepath.Join(t.TempDir(), "srv")
	work := t.TempDir()
	git(t, work, "init", "-q", "-b", "main")
	w := &crashWork{t: t, dir: work, rnd: rnd}
	srv := startServe(t, bin, root)
	t.Cleanup(func() { srv.kill() })

	// A first push, not interrupted, creates the repository and measures
	// how long a large push takes, to spread the kills over it.
	proj := filepath.Join(root, "proj")
	tip := w.commit(0, "large")
	start := time.Now()
	if err := pushIn(ctx, work, srv.url, "proj", map[string]plumbing.Hash{"refs/heads/main": tip}); err != nil {
		t.Fatal(err)
	}
	span := time.Since(start)
	t.Logf("a large push takes %v", span)

	phases := map[string]int{}
	kinds := []string{"large", "small", "many", "large"}
	modes := []string{"delay", "quarantine", "pack-visible", "ref-lock", "delay", "new-repo"}
	for round := 1; round <= rounds; round++ {
		mode := modes[round%len(modes)]
		kind := kinds[rnd.IntN(len(kinds))]
		before := serverRefs(t, proj)
		want := map[string]plumbing.Hash{"refs/heads/main": w.commit(round, kind)}
		if round%2 == 0 {
			want["refs/heads/side"] = w.side(round)
		}
		name := "proj"
		if mode == "new-repo" {
			name = fmt.Sprintf("fresh%d", round)
			before = map[string]plumbing.Hash{}
			want = map[string]plumbing.Hash{"refs/heads/main": w.orphan(round)}
		}
		target := filepath.Join(root, name)

		pushDone := make(chan error, 1)
		stop := make(chan struct{})
		go func() {
			pushDone <- pushIn(ctx, work, srv.url, name, want)
			close(stop)
		}()
		objects := filepath.Join(target, "objects")
		packs := func() int {
			n := 0
			ents, _ := os.ReadDir(filepath.Join(objects, "pack"))
			for _, e := range ents {
				if strings.HasSuffix(e.Name(), ".pack") {
					n++
				}
			}
			return n
		}
		switch mode {
		case "delay", "new-repo":
			select {
			case <-time.After(time.Duration(rnd.Int64N(int64(span)*13/10 + 1))):
			case <-stop:
			}
		case "quarantine":
			if waitFor(stop, func() bool {
				return hasEntry(objects, func(n string) bool { return strings.HasPrefix(n, "incoming-") })
			}) {
				time.Sleep(time.Duration(rnd.Int64N(int64(span)/2 + 1)))
			}
		case "pack-visible":
			n := packs()
			waitFor(stop, func() bool { return packs() > n })
		case "ref-lock":
			waitFor(stop, func() bool {
				return hasEntry(filepath.Join(target, "refs", "heads"), func(n string) bool { return strings.HasSuffix(n, ".lock") })
			})
		}
		srv.kill()
		pushErr := <-pushDone

		// The state the kill left, before any clean-up.
		qs, locks := leftovers(root)
		var after map[string]plumbing.Hash
		switch {
		case isBare(target):
			fsckStrict(t, target)
			after = serverRefs(t, target)
		case mode == "new-repo":
			if _, err := os.Stat(target); err == nil {
				t.Fatalf("round %d: a push creating %s was killed and left a directory that is not a repository", round, target)
			}
			after = map[string]plumbing.Hash{}
		default:
			t.Fatalf("round %d: %s is no longer a repository", round, target)
		}
		moved := 0
		for name, h := range after {
			if h != before[name] && h != want[name] {
				t.Fatalf("round %d (%s): %s is at %s: neither its old value %s nor the pushed %s", round, mode, name, h, before[name], want[name])
			}
			if h == want[name] && h != before[name] {
				moved++
			}
		}
		for name, h := range before {
			if _, ok := after[name]; !ok {
				t.Fatalf("round %d (%s): %s (at %s before the push) is missing", round, mode, name, h)
			}
		}
		if pushErr == nil && moved != len(want) {
			t.Fatalf("round %d (%s): the push was reported done but the refs are %v, want %v", round, mode, after, want)
		}
		phase := "before-receive"
		switch {
		case moved == len(want):
			phase = "all-refs-moved"
		case moved > 0:
			phase = "some-refs-moved"
		case len(locks) > 0:
			phase = "ref-locks-held"
		case len(qs) > 0:
			phase = "quarantine"
		case isBare(target) && exec.Command("git", "-C", target, "cat-file", "-e", want["refs/heads/main"].String()).Run() == nil:
			phase = "pack-visible-refs-not-moved"
		}
		phases[phase]++
		if testing.Verbose() {
			t.Logf("round %d: %s push, kill mode %s: %s (quarantines %d, locks %v, push error: %v)", round, kind, mode, phase, len(qs), locks, pushErr)
		}

		// Restart: the leftovers must be gone, and the push must succeed.
		srv = startServe(t, bin, root)
		if qs, locks := leftovers(root); len(qs)+len(locks) > 0 {
			t.Fatalf("round %d: the restarted server left quarantines %v and locks %v\n%s", round, qs, locks, srv.logText())
		}
		if err := pushIn(ctx, work, srv.url, name, want); err != nil {
			t.Fatalf("round %d: pushing again after the restart: %v\n%s", round, err, srv.logText())
		}
		got := serverRefs(t, target)
		for name, h := range want {
			if got[name] != h {
				t.Fatalf("round %d: after pushing again %s is %s, want %s", round, name, got[name], h)
			}
		}
	}
	fsckStrict(t, proj)
	t.Logf("%d kills; where they landed: %v", rounds, phases)
}

func runKilled(t *testing.T, bin, dir string, d time.Duration, args ...string) bool {
	t.Helper()
	return easeltest.RunKilled(t, bin, dir, d, args...)
}

// refOrNone is the id a ref points at in a client repository, or "".
func refOrNone(dir, name string) string {
	out, err := exec.Command("git", "-C", dir, "rev-parse", "--verify", "-q", name).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// TestCrashClientKilledDuringFetchAndClone kills `easel clone` and `easel
// fetch` while they receive packs of several MiB. After each kill the
// client repository (if the clone got as far as making one) passes git fsck
// --strict, its refs are at their old or new value, git can read its index,
// and running the command again succeeds: a fetch as it is, a clone once
// the directory it names is removed (a killed clone cannot clean up after
// itself, as with git).
func TestCrashClientKilledDuringFetchAndClone(t *testing.T) {
	needGit(t)
	bin := buildEasel(t) // before pinEnv: the build needs the real HOME's caches
	pinEnv(t)
	rnd := crashRand(t)
	scale := 1
	if os.Getenv("EASEL_CRASH_ROUNDS") != "" {
		scale = crashRounds(t, 1)
	}
	ctx := context.Background()
	url, _ := startServer(t, Config{})
	work := t.TempDir()
	git(t, work, "init", "-q", "-b", "main")
	w := &crashWork{t: t, dir: work, rnd: rnd}
	for i := 0; i < 2; i++ {
		w.commit(i, "large")
	}
	tip := w.commit(3, "many")
	if err := pushIn(ctx, work, url, "proj", map[string]plumbing.Hash{"refs/heads/main": tip}); err != nil {
		t.Fatal(err)
	}
	parent := t.TempDir()
	start := time.Now()
	if code, out := runEasel(t, bin, parent, "clone", "-q", url+"/proj", "first"); code != 0 {
		t.Fatalf("clone: %d %s", code, out)
	}
	span := time.Since(start)
	t.Logf("a clone takes %v", span)

	stats := map[string]int{}
	for round := 0; round < 4*scale; round++ {
		dst := fmt.Sprintf("c%d", round)
		full := filepath.Join(parent, dst)
		runKilled(t, bin, parent, time.Duration(rnd.Int64N(int64(span)*13/10+1)), "clone", "-q", url+"/proj", dst)
		when := fmt.Sprintf("clone round %d", round)
		switch _, err := os.Stat(filepath.Join(full, ".git", "HEAD")); {
		case err == nil:
			fsckStrict(t, full)
			for _, ref := range []string{"refs/heads/main", "refs/remotes/origin/main"} {
				if got := refOrNone(full, ref); got != "" && got != tip.String() {
					t.Fatalf("%s: %s is at %s, want nothing or %s", when, ref, got, tip)
				}
			}
			git(t, full, "status", "--porcelain") // the index, if any, is readable
			stats["left a repository"]++
		default:
			stats["left no repository"]++
		}
		code, out := runEasel(t, bin, parent, "clone", "-q", url+"/proj", dst)
		if code != 0 {
			if !strings.Contains(out, "destination path '"+full+"' already exists and is not an empty directory") {
				t.Fatalf("%s: cloning again: exit %d without naming the directory in the way:\n%s", when, code, out)
			}
			os.RemoveAll(full)
			if code, out = runEasel(t, bin, parent, "clone", "-q", url+"/proj", dst); code != 0 {
				t.Fatalf("%s: cloning again after removing %s: exit %d\n%s", when, dst, code, out)
			}
		}
		fsckStrict(t, full)
		if got := refOrNone(full, "HEAD"); got != tip.String() {
			t.Fatalf("%s: the clone's HEAD is %s, want %s", when, got, tip)
		}
		if st := git(t, full, "status", "--porcelain"); st != "" {
			t.Fatalf("%s: the new clone is not clean:\n%s", when, st)
		}
		os.RemoveAll(full)
	}

	client := filepath.Join(parent, "first")
	for round := 0; round < 6*scale; round++ {
		kind := []string{"large", "many"}[round%2]
		next := w.commit(10+round, kind)
		if err := pushIn(ctx, work, url, "proj", map[string]plumbing.Hash{"refs/heads/main": next}); err != nil {
			t.Fatal(err)
		}
		old := refOrNone(client, "refs/remotes/origin/main")
		index := git(t, client, "ls-files", "-s")
		runKilled(t, bin, client, time.Duration(rnd.Int64N(int64(span)/2+1)), "fetch", "-q")
		when := fmt.Sprintf("fetch round %d", round)
		fsckStrict(t, client)
		if got := refOrNone(client, "refs/remotes/origin/main"); got != old && got != next.String() {
			t.Fatalf("%s: origin/main is at %s: neither %s nor %s", when, got, old, next)
		}
		git(t, client, "status", "--porcelain")
		if git(t, client, "ls-files", "-s") != index {
			t.Fatalf("%s: a fetch changed the index", when)
		}
		qs, _ := filepath.Glob(filepath.Join(client, ".git", "objects", "incoming-*"))
		stats[fmt.Sprintf("fetch left %d quarantines", len(qs))]++
		code, out := runEasel(t, bin, client, "fetch", "-q")
		if code == 8 {
			m := regexp.MustCompile(`unable to create '([^']+\.lock)'`).FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("%s: exit 8 without naming the lock:\n%s", when, out)
			}
			os.Remove(m[1])
			stats["fetch left a lock"]++
			code, out = runEasel(t, bin, client, "fetch", "-q")
		}
		if code != 0 {
			t.Fatalf("%s: fetching again: exit %d\n%s", when, code, out)
		}
		if got := refOrNone(client, "refs/remotes/origin/main"); got != next.String() {
			t.Fatalf("%s: after fetching again origin/main is %s, want %s", when, got, next)
		}
	}
	fsckStrict(t, client)
	t.Logf("outcomes: %v", stats)
}

// TestCrashSecondServerRefused: `easel serve` cleans up at start-up on the
// assumption that it is the only writer of its root, so a second server on
// the same root must be refused (exit 8, locked) rather than remove the
// first one's locks and quarantines. The lock is an flock, so the first
// server being killed releases it.
func TestCrashSecondServerRefused(t *testing.T) {
	bin := buildEasel(t)
	pinEnv(t)
	root := filepath.Join(t.TempDir(), "srv")
	first := startServe(t, bin, root)
	defer first.kill()
	code, out := runEasel(t, bin, t.TempDir(), "serve", "--root", root, "--addr", "127.0.0.1:0")
	if code != 8 || !strings.Contains(out, "another easel serve is already serving "+root) {
		t.Fatalf("second server on %s: exit %d, want 8 (locked) and a message naming the root:\n%s", root, code, out)
	}
	first.kill()
	second := startServe(t, bin, root)
	second.kill()
}

// TestCrashOrphanPackIgnored: a pack whose index is missing (a process
// killed between writing the two) does not stop the server from serving
// and accepting pushes. git ignores such a pack; so must easel.
func TestCrashOrphanPackIgnored(t *testing.T) {
	needGit(t)
	pinEnv(t)
	ctx := context.Background()
	url, srv := startServer(t, Config{})
	work := t.TempDir()
	git(t, work, "init", "-q", "-b", "main")
	w := &crashWork{t: t, dir: work, rnd: mrand.New(mrand.NewPCG(1, 2))}
	if err := pushIn(ctx, work, url, "proj", map[string]plumbing.Hash{"refs/heads/main": w.commit(0, "large")}); err != nil {
		t.Fatal(err)
	}
	proj := filepath.Join(srv.cfg.Root, "proj")
	orphan := filepath.Join(proj, "objects", "pack", "pack-"+strings.Repeat("1", 40)+".pack")
	writeFile(t, orphan, "PACK cut short")
	next := w.commit(1, "many")
	if err := pushIn(ctx, work, url, "proj", map[string]plumbing.Hash{"refs/heads/main": next}); err != nil {
		t.Fatalf("push with an orphan pack on the server: %v", err)
	}
	fsckStrict(t, proj)
	clone := filepath.Join(t.TempDir(), "c")
	if _, err := Clone(ctx, url+"/proj", clone, "", Options{}); err != nil {
		t.Fatalf("clone with an orphan pack on the server: %v", err)
	}
	if got := git(t, clone, "rev-parse", "HEAD"); got != next.String() {
		t.Fatalf("clone HEAD %s, want %s", got, next)
	}
}
