package remote

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestMaintenanceSoak: two clients push to their own branch while a third
// fetches without pause, with a threshold low enough that the server
// repacks in the background many times meanwhile. Every push is kept,
// git fsck --strict passes, the repository ends within 1.2x of what git
// repack -adf makes of it, and each run is logged with its sizes.
func TestMaintenanceSoak(t *testing.T) {
	needGit(t)
	pinEnv(t)
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "srv")
	logs := &lockedBuffer{}
	url, srv := startServer(t, Config{Root: root, MaintenancePacks: 4,
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	const pushes = 14
	type worker struct {
		branch string
		lines  []string
	}
	rng := rand.New(rand.NewSource(3))
	var ws []*worker
	for _, b := range []string{"main", "side"} {
		w := &worker{branch: b}
		for i := 0; i < 300; i++ {
			w.lines = append(w.lines, fmt.Sprintf("%s %d %x", b, i, rng.Int63()))
		}
		ws = append(ws, w)
	}
	heads := make([]string, len(ws))
	var wg sync.WaitGroup
	errs := make(chan error, 2*len(ws))
	// The first push of main creates the repository.
	for i, w := range ws {
		dir := filepath.Join(t.TempDir(), w.branch)
		r := newWorkRepo(t, dir)
		if w.branch != "main" {
			git(t, dir, "checkout", "-q", "-b", w.branch)
		}
		rm := addOrigin(t, r, url+"/p")
		c := client(t, url+"/p", "")
		edit := func(n int, w *worker, rng *rand.Rand) {
			for k := 0; k < 3; k++ {
				w.lines[rng.Intn(len(w.lines))] = fmt.Sprintf("edit %d %x", n, rng.Int63())
			}
			commitFile(t, dir, "data.txt", strings.Join(w.lines, "\n")+"\n")
		}
		push := func() error {
			var err error
			for try := 0; try < 20; try++ {
				if _, err = pushBranch(ctx, r, rm, c, w.branch); err == nil {
					return nil
				}
				time.Sleep(50 * time.Millisecond)
			}
			return err
		}
		edit(0, w, rng)
		if err := push(); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func(i int, w *worker) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(i)))
			for n := 1; n < pushes; n++ {
				edit(n, w, rng)
				if err := push(); err != nil {
					errs <- fmt.Errorf("%s push %d: %w", w.branch, n, err)
					return
				}
			}
			heads[i] = git(t, dir, "rev-parse", "HEAD")
		}(i, w)
	}
	stop := make(chan struct{})
	fetches := 0
	f := newWorkRepo(t, filepath.Join(t.TempDir(), "f"))
	frm := addOrigin(t, f, url+"/p")
	var fg sync.WaitGroup
	fg.Add(1)
	go func() {
		defer fg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := Fetch(ctx, f, frm, client(t, url+"/p", ""), Options{}); err != nil {
				errs <- fmt.Errorf("fetch during maintenance: %w", err)
				return
			}
			fetches++
		}
	}()
	wg.Wait()
	close(stop)
	fg.Wait()
	srv.bg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "p")
	for i, w := range ws {
		if got := git(t, dir, "rev-parse", "refs/heads/"+w.branch); got != heads[i] {
			t.Fatalf("%s on the server is %s, pushed %s", w.branch, got, heads[i])
		}
		if n := git(t, dir, "rev-list", "--count", w.branch); n != fmt.Sprint(pushes) {
			t.Fatalf("%s has %s commits, want %d", w.branch, n, pushes)
		}
	}
	git(t, dir, "fsck", "--strict")
	log := logs.String()
	runs := strings.Count(log, "maintenance: repacked")
	if runs == 0 || !strings.Contains(log, "before_bytes=") || !strings.Contains(log, "after_bytes=") {
		t.Fatalf("no maintenance run logged with its sizes:\n%s", log)
	}
	packs, _ := packFiles(dir)
	if len(packs) > 4+1 {
		t.Errorf("%d packs left", len(packs))
	}
	// git's size for the same objects.
	twin := filepath.Join(t.TempDir(), "twin.git")
	git(t, filepath.Dir(twin), "clone", "-q", "--mirror", "--no-local", dir, twin)
	git(t, twin, "repack", "-adfq")
	size := func(d string) int64 {
		m, _ := filepath.Glob(filepath.Join(d, "objects/pack/*.pack"))
		var n int64
		for _, p := range m {
			fi, _ := os.Stat(p)
			n += fi.Size()
		}
		return n
	}
	// The server repacks when packs pile up, so the last few pushes may
	// still be in packs of their own: repack once more to compare.
	if st, err := RepackPacks(ctx, dir, 0); err != nil {
		t.Fatal(err)
	} else {
		RemovePacks(st.Replaced)
	}
	e, g := size(dir), size(twin)
	t.Logf("%d maintenance runs, %d fetches alongside; server %d bytes, git -adf %d", runs, fetches, e, g)
	if float64(e) > 1.2*float64(g) {
		t.Errorf("server keeps %d bytes, git %d", e, g)
	}
	git(t, dir, "fsck", "--strict")
}
