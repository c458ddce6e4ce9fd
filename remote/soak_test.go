package remote

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo"
	"easel.dev/easel/repo/gitobj"
)

// The soak test's long mode: go test ./remote -run TestSoak -v -args -soak=2m
// (or EASEL_SOAK=2m; EASEL_SOAK_CLIENTS=n changes the number of clients).
// Without it TestSoak is a short run sized for CI.
var soakFor = flag.Duration("soak", 0, "run TestSoak for this long instead of the short CI run (also EASEL_SOAK)")

const (
	soakClients = 32
	// The short run: every client stops after one accepted push, or when
	// soakCIFor has passed (the machine may be slow or shared; all the
	// checks below hold whatever the number of pushes).
	soakTarget = 1
	soakCIFor  = 15 * time.Second
	// Heap in use by the whole test process (server and 32 clients) must
	// stay under this. Pushes and fetches stream, but every request opens
	// every pack index of the repository, and each accepted push adds a
	// pack: the peak grows with the packs (about 30 MiB with 33 packs,
	// 140-170 MiB with 180), which the summary reports.
	soakHeapBound = 256 << 20
	soakShared    = "shared.txt"

	soakThink      = 100 * time.Millisecond
	soakBackoff    = 100 * time.Millisecond
	soakMaxBackoff = 3 * time.Second
)

func soakDuration(t *testing.T) time.Duration {
	if *soakFor > 0 {
		return *soakFor
	}
	if v := os.Getenv("EASEL_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("EASEL_SOAK=%q: want a duration such as 2m", v)
		}
		return d
	}
	return 0
}

// soakClient is one user with a clone: it pulls, appends a line to its own
// file (and, for even ids, rewrites the first line of the shared file, so
// that merges conflict), commits and pushes, pulling again on 409.
type soakClient struct {
	id     int
	dir    string
	r      *repo.Repository
	rm     repo.Remote
	c      *Client
	own    string
	shared bool

	lines    []string        // lines appended to own, in order
	accepted []plumbing.Hash // tips the server accepted
	// ownAtAccept[i] is len(lines) when accepted[i] was pushed: the server
	// must hold at least that many of this client's lines.
	ownAtAccept []int
	rejected    map[string]int // 409s by problem type
	conflicts   int            // merges stopped by conflicts, resolved by rule
	merges      int            // merge commits made by pulls
	spent       [opKinds]time.Duration
	count       [opKinds]int
}

// What the clients' time goes to, for the summary.
const (
	opFetch = iota
	opMerge
	opCommit
	opPush
	opKinds
)

var opNames = [opKinds]string{"fetch", "merge", "commit", "push"}

func (sc *soakClient) timed(op int, start time.Time) {
	sc.spent[op] += time.Since(start)
	sc.count[op]++
}

func (sc *soakClient) name() string { return fmt.Sprintf("c%02d", sc.id) }

// pull is easel pull: fetch, then merge origin/main into main. A conflict
// (only the shared file's first line can conflict) is resolved by rule:
// take theirs, then put our own first line back; the result is staged and
// committed as the merge.
func (sc *soakClient) pull(ctx context.Context) error {
	t0 := time.Now()
	if _, err := Fetch(ctx, sc.r, sc.rm, sc.c, Options{}); err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	sc.timed(opFetch, t0)
	defer sc.timed(opMerge, time.Now())
	theirs, err := sc.r.ResolveRef("refs/remotes/origin/main")
	if err != nil {
		return err
	}
	ours, err := sc.r.Head()
	if err != nil {
		return err
	}
	out, err := sc.r.Merge(ctx, repo.MergeOptions{Theirs: theirs, TheirsName: "origin/main"})
	if err != nil {
		return fmt.Errorf("merge: %w", err)
	}
	switch out.Kind {
	case repo.MergeCommitted:
		sc.merges++
	case repo.MergeConflicted:
		sc.conflicts++
		for _, c := range out.Conflicts {
			if c.Path != soakShared {
				return fmt.Errorf("merge: unexpected conflict in %s (%s)", c.Path, c.Kind)
			}
		}
		theirText, err := fileAt(sc.r, theirs, soakShared)
		if err != nil {
			return err
		}
		ourText, err := fileAt(sc.r, ours, soakShared)
		if err != nil {
			return err
		}
		tl := strings.SplitAfter(theirText, "\n")
		tl[0] = strings.SplitAfter(ourText, "\n")[0]
		if err := os.WriteFile(filepath.Join(sc.dir, soakShared), []byte(strings.Join(tl, "")), 0o644); err != nil {
			return err
		}
		if err := sc.r.Add(ctx, []string{soakShared}, repo.AddOptions{}); err != nil {
			return fmt.Errorf("resolving: add: %w", err)
		}
		h, err := sc.r.Commit(ctx, repo.CommitOptions{})
		if err != nil {
			return fmt.Errorf("resolving: commit: %w", err)
		}
		c, err := gitobj.GetCommit(sc.r.Storer, h)
		if err != nil {
			return err
		}
		if len(c.ParentHashes) != 2 || c.ParentHashes[0] != ours || c.ParentHashes[1] != theirs {
			return fmt.Errorf("resolved merge %s has parents %v, want [%s %s]", h, c.ParentHashes, ours, theirs)
		}
		if _, inMerge, _ := sc.r.MergeHead(); inMerge {
			return errors.New("MERGE_HEAD left after committing the merge")
		}
		sc.merges++
	}
	// Nobody else touches our file: whatever the merge did, it must be
	// exactly our lines.
	data, err := os.ReadFile(filepath.Join(sc.dir, sc.own))
	if err != nil && !(errors.Is(err, os.ErrNotExist) && len(sc.lines) == 0) {
		return err
	}
	if want := strings.Join(sc.lines, ""); string(data) != want {
		return fmt.Errorf("after merging %s, %s is\n%q\nwant\n%q", theirs, sc.own, data, want)
	}
	return nil
}

func fileAt(r *repo.Repository, commit plumbing.Hash, path string) (string, error) {
	c, err := gitobj.GetCommit(r.Storer, commit)
	if err != nil {
		return "", err
	}
	tree, err := gitobj.GetTree(r.Storer, c.TreeHash)
	if err != nil {
		return "", err
	}
	e, err := tree.FindEntry(path)
	if err != nil {
		return "", fmt.Errorf("%s:%s: %w", commit, path, err)
	}
	b, err := gitobj.GetBlob(r.Storer, e.Hash)
	return string(b), err
}

func (sc *soakClient) edit(ctx context.Context, round int) error {
	sc.lines = append(sc.lines, fmt.Sprintf("%s line %d\n", sc.name(), len(sc.lines)+1))
	if err := os.WriteFile(filepath.Join(sc.dir, sc.own), []byte(strings.Join(sc.lines, "")), 0o644); err != nil {
		return err
	}
	paths := []string{sc.own}
	if sc.shared {
		p := filepath.Join(sc.dir, soakShared)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		ls := strings.SplitAfter(string(data), "\n")
		ls[0] = fmt.Sprintf("owner %s round %d\n", sc.name(), round)
		if err := os.WriteFile(p, []byte(strings.Join(ls, "")), 0o644); err != nil {
			return err
		}
		paths = append(paths, soakShared)
	}
	defer sc.timed(opCommit, time.Now())
	if err := sc.r.Add(ctx, paths, repo.AddOptions{}); err != nil {
		return fmt.Errorf("add: %w", err)
	}
	if _, err := sc.r.Commit(ctx, repo.CommitOptions{Message: fmt.Sprintf("%s round %d\n", sc.name(), round)}); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// push is easel push of main; it reports whether the server took it.
func (sc *soakClient) push(ctx context.Context) (bool, error) {
	tip, err := sc.r.ResolveRef("refs/heads/main")
	if err != nil {
		return false, err
	}
	defer sc.timed(opPush, time.Now())
	resp, _, err := Push(ctx, sc.r, sc.rm, sc.c, []PushRef{{Local: tip, Remote: "refs/heads/main"}}, Options{})
	if err != nil {
		var p *Problem
		if errors.As(err, &p) && p.Status == 409 {
			if !errors.Is(err, ErrRejected) {
				return false, fmt.Errorf("409 that is not ErrRejected: %w", err)
			}
			if p.Proposed != tip.String() || p.Ref != "refs/heads/main" {
				return false, fmt.Errorf("409 names the wrong push: %+v", p)
			}
			if kind := strings.TrimPrefix(p.Type, ProblemBase); kind != "non-fast-forward" && kind != "ref-moved" {
				return false, fmt.Errorf("409 of unexpected type %q: %+v", p.Type, p)
			}
			// A refusal is only right if the server's tip is something
			// this clone does not contain: were it already merged here,
			// the push was a fast-forward and should have landed.
			if cur, err := gitobj.GetCommit(sc.r.Storer, plumbing.NewHash(p.Current)); err == nil {
				if cur.Hash == tip {
					return false, fmt.Errorf("409 although the server is at our tip %s: %+v", tip, p)
				}
				if ok, err := sc.r.IsAncestor(ctx, cur.Hash, tip); err != nil || ok {
					return false, fmt.Errorf("409 although the server's %s is already merged into %s (%v): %+v", cur.Hash, tip, err, p)
				}
			}
			sc.rejected[strings.TrimPrefix(p.Type, ProblemBase)]++
			return false, nil
		}
		return false, fmt.Errorf("push: %w", err)
	}
	if len(resp.Updated) != 1 || resp.Updated[0].New != tip.String() {
		return false, fmt.Errorf("push of %s answered %+v", tip, resp.Updated)
	}
	sc.accepted = append(sc.accepted, tip)
	sc.ownAtAccept = append(sc.ownAtAccept, len(sc.lines))
	return true, nil
}

// run loops until stop or target accepted pushes. Like a person, a client
// pauses a little between rounds, and after a 409 backs off for a random
// time that doubles with each refusal in a row: with 32 clients retrying
// at once, every retry would otherwise race all the others and almost
// none would win.
func (sc *soakClient) run(ctx context.Context, stop func() bool, target int) error {
	rnd := rand.New(rand.NewPCG(uint64(sc.id), 7))
	for round := 1; !stop() && (target == 0 || len(sc.accepted) < target); round++ {
		time.Sleep(time.Duration(rnd.Int64N(int64(soakThink))))
		if err := sc.pull(ctx); err != nil {
			return err
		}
		if err := sc.edit(ctx, round); err != nil {
			return err
		}
		for refusals := 0; ; refusals++ {
			ok, err := sc.push(ctx)
			if err != nil {
				return err
			}
			if ok || stop() {
				break
			}
			time.Sleep(time.Duration(rnd.Int64N(int64(min(soakBackoff<<min(refusals, 10), soakMaxBackoff)))))
			if err := sc.pull(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// memSampler records the peak heap in use and the peak resident set of
// the test process while the soak runs.
type memSampler struct {
	peakHeap, peakRSS atomic.Uint64
	stop              chan struct{}
	done              chan struct{}
}

func startMemSampler(every time.Duration) *memSampler {
	m := &memSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(m.done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > m.peakHeap.Load() {
				m.peakHeap.Store(ms.HeapInuse)
			}
			if rss := procRSS(); rss > m.peakRSS.Load() {
				m.peakRSS.Store(rss)
			}
			select {
			case <-m.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return m
}

func (m *memSampler) Stop() { close(m.stop); <-m.done }

// procRSS is the resident set size from /proc (0 where there is none).
func procRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// Thirty-two clones on 127.0.0.1 pull, edit, commit and push to one branch
// of one server, in process, each in its own directory. Half of them
// rewrite the same line of a shared file, so pulls stop with conflicts
// that are resolved by rule and committed. At the end every commit the
// server accepted is on its branch, every client's lines are there in
// order, the server repository passes git fsck --strict, nothing of a
// push is left behind, and the heap stayed bounded.
func TestSoak(t *testing.T) {
	needGit(t)
	pinEnv(t)
	long := soakDuration(t)
	if testing.Short() && long == 0 {
		t.Skip("soak test skipped in -short mode")
	}
	ctx := context.Background()
	url, s := startServer(t, Config{})
	tmp := t.TempDir()
	seedDir := filepath.Join(tmp, "seed")
	seed := newWorkRepo(t, seedDir, "README")
	var shared strings.Builder
	for i := 0; i < 8; i++ {
		fmt.Fprintf(&shared, "shared line %d\n", i)
	}
	commitFile(t, seedDir, soakShared, shared.String())
	rm := addOrigin(t, seed, url+"/soak")
	if _, err := pushBranch(ctx, seed, rm, client(t, url+"/soak", ""), "main"); err != nil {
		t.Fatal(err)
	}
	serverDir := filepath.Join(s.cfg.Root, "soak")

	n := soakClients
	if v := os.Getenv("EASEL_SOAK_CLIENTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			t.Fatalf("EASEL_SOAK_CLIENTS=%q: want a positive number", v)
		}
	}
	clients := make([]*soakClient, n)
	for i := range clients {
		dir := filepath.Join(tmp, fmt.Sprintf("c%02d", i))
		res, err := Clone(ctx, url+"/soak", dir, "", Options{})
		if err != nil {
			t.Fatal(err)
		}
		crm, err := res.Repo.RemoteByName("origin")
		if err != nil {
			t.Fatal(err)
		}
		clients[i] = &soakClient{id: i, dir: dir, r: res.Repo, rm: crm, c: client(t, url+"/soak", ""),
			own: fmt.Sprintf("c%02d.txt", i), shared: i%2 == 0, rejected: map[string]int{}}
	}

	limit, target := soakCIFor, soakTarget
	if long > 0 {
		limit, target = long, 0
	}
	start := time.Now()
	deadline := start.Add(limit)
	stop := func() bool { return time.Now().After(deadline) }
	mem := startMemSampler(100 * time.Millisecond)
	errs := make([]error, len(clients))
	var wg sync.WaitGroup
	for i, sc := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = sc.run(ctx, stop, target)
		}()
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(limit + time.Minute):
		pprof.Lookup("goroutine").WriteTo(os.Stderr, 1)
		t.Fatalf("clients still running a minute after the %v limit: deadlock", limit)
	}
	elapsed := time.Since(start)
	mem.Stop()
	for i, err := range errs {
		if err != nil {
			t.Errorf("c%02d: %v", i, err)
		}
	}

	// Tally.
	accepted, conflicts, merges := 0, 0, 0
	rejected := map[string]int{}
	minAcc, maxAcc, reached := -1, 0, 0
	for _, sc := range clients {
		n := len(sc.accepted)
		accepted += n
		conflicts += sc.conflicts
		merges += sc.merges
		for k, v := range sc.rejected {
			rejected[k] += v
		}
		if minAcc < 0 || n < minAcc {
			minAcc = n
		}
		maxAcc = max(maxAcc, n)
		if n >= soakTarget {
			reached++
		}
	}
	var spent [opKinds]time.Duration
	var count [opKinds]int
	for _, sc := range clients {
		for k := range spent {
			spent[k] += sc.spent[k]
			count[k] += sc.count[k]
		}
	}
	var times []string
	for k := range spent {
		if count[k] > 0 {
			times = append(times, fmt.Sprintf("%s %d x %v", opNames[k], count[k], (spent[k]/time.Duration(count[k])).Round(time.Millisecond)))
		}
	}
	total409 := 0
	var kinds []string
	for k, v := range rejected {
		total409 += v
		kinds = append(kinds, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(kinds)
	packs, _ := filepath.Glob(filepath.Join(serverDir, "objects", "pack", "*.pack"))
	summary := fmt.Sprintf("soak: %d clients, %v: %d accepted pushes (%.1f/s; per client %d..%d), %d refused with 409 (%s), %d merges of which %d resolved conflicts; peak heap in use %.1f MiB, peak RSS %.1f MiB; server has %d packs; mean wall time per operation: %s",
		len(clients), elapsed.Round(time.Millisecond), accepted, float64(accepted)/elapsed.Seconds(), minAcc, maxAcc,
		total409, strings.Join(kinds, " "), merges, conflicts,
		float64(mem.peakHeap.Load())/(1<<20), float64(mem.peakRSS.Load())/(1<<20), len(packs), strings.Join(times, ", "))
	t.Log(summary)
	if long > 0 {
		fmt.Println(summary)
	}
	if long == 0 {
		t.Logf("%d of %d clients had a push accepted within %v", reached, len(clients), soakCIFor)
	}
	if accepted == 0 {
		t.Fatal("no push was accepted: livelock")
	}

	// Every accepted commit is on the server's branch.
	onServer := map[string]bool{}
	for _, id := range strings.Fields(git(t, serverDir, "rev-list", "main")) {
		onServer[id] = true
	}
	lost := 0
	for _, sc := range clients {
		for _, h := range sc.accepted {
			if !onServer[h.String()] {
				lost++
				t.Errorf("%s: accepted commit %s is not on the server's main", sc.name(), h)
			}
		}
	}
	if lost > 0 {
		t.Fatalf("%d accepted commits lost", lost)
	}
	// Every client's lines are in its file on the server, in order: at
	// least up to its last accepted push, and nothing it never wrote.
	for _, sc := range clients {
		var got string
		var lines []string
		if _, err := gitRun(serverDir, "cat-file", "-e", "main:"+sc.own); err == nil {
			got = git(t, serverDir, "show", "main:"+sc.own)
			lines = strings.SplitAfter(got+"\n", "\n")
			lines = lines[:len(lines)-1]
		}
		if len(lines) > len(sc.lines) || strings.Join(lines, "") != strings.Join(sc.lines[:len(lines)], "") {
			t.Errorf("%s on the server is not a prefix of what %s wrote:\n%s", sc.own, sc.name(), got)
			continue
		}
		if n := len(sc.ownAtAccept); n > 0 && len(lines) < sc.ownAtAccept[n-1] {
			t.Errorf("%s on the server has %d lines, but a push with %d was accepted", sc.own, len(lines), sc.ownAtAccept[n-1])
		}
	}
	git(t, serverDir, "fsck", "--strict")
	if left, _ := filepath.Glob(filepath.Join(serverDir, "objects", "incoming-*")); len(left) > 0 {
		t.Errorf("quarantine left behind: %v", left)
	}
	filepath.WalkDir(serverDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".lock") {
			t.Errorf("lock file left behind: %s", p)
		}
		return nil
	})
	// The clients' repositories are sound too (they received a pack per
	// pull and wrote a merge per conflict).
	for _, sc := range clients[:min(4, len(clients))] {
		git(t, sc.dir, "fsck", "--strict")
	}
	if peak := mem.peakHeap.Load(); peak > soakHeapBound {
		t.Errorf("peak heap in use %.1f MiB, over the %d MiB bound", float64(peak)/(1<<20), soakHeapBound>>20)
	}
}
