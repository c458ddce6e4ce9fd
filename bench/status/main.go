// Command status compares easel with git on a large work tree: it
// generates 10,000 files (about 100 MB) twice, then times `add -A`,
// `commit` and a clean `status` with each tool and prints the ratios.
//
//	go run ./bench/status            # defaults: 10000 files, 100 MB
//	go run ./bench/status -files 20000 -mb 200 -runs 7
package main

import (
	"flag"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"time"
)

func main() {
	files := flag.Int("files", 10000, "number of files")
	mb := flag.Int("mb", 100, "total size in MB")
	runs := flag.Int("runs", 5, "clean status runs (median reported)")
	easel := flag.String("easel", "", "easel binary (default: build it)")
	keep := flag.Bool("keep", false, "keep the temporary directory")
	flag.Parse()

	tmp, err := os.MkdirTemp("", "easel-bench-")
	check(err)
	if !*keep {
		defer os.RemoveAll(tmp)
	}
	if *easel == "" {
		*easel = filepath.Join(tmp, "easel")
		run("", "go", "build", "-o", *easel, "./cmd/easel")
	}
	home := filepath.Join(tmp, "home")
	check(os.MkdirAll(home, 0o755))
	env := append(os.Environ(),
		"HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Bench", "GIT_AUTHOR_EMAIL=bench@example.com", "GIT_AUTHOR_DATE=1700000000 +0000",
		"GIT_COMMITTER_NAME=Bench", "GIT_COMMITTER_EMAIL=bench@example.com", "GIT_COMMITTER_DATE=1700000000 +0000")

	dirs := map[string]string{"git": filepath.Join(tmp, "git"), "easel": filepath.Join(tmp, "easel-wt")}
	fmt.Printf("generating %d files, %d MB, twice...\n", *files, *mb)
	for _, d := range dirs {
		generate(d, *files, int64(*mb)<<20)
	}
	bins := map[string]string{"git": "git", "easel": *easel}
	res := map[string]map[string]time.Duration{"git": {}, "easel": {}}
	cpu := map[string]map[string]time.Duration{"git": {}, "easel": {}}
	for _, tool := range []string{"git", "easel"} {
		d, bin := dirs[tool], bins[tool]
		runEnv(d, env, bin, "init", "-q")
		res[tool]["add -A"], cpu[tool]["add -A"] = timeIt(d, env, bin, "add", "-A")
		res[tool]["commit"], cpu[tool]["commit"] = timeIt(d, env, bin, "commit", "-q", "-m", "bench")
		// Let the racy window pass so that the index can be trusted, as
		// it would be in normal use, then warm up once.
		time.Sleep(1100 * time.Millisecond)
		runEnv(d, env, bin, "status")
		var ts, cs []time.Duration
		for i := 0; i < *runs; i++ {
			t, c := timeIt(d, env, bin, "status")
			ts, cs = append(ts, t), append(cs, c)
		}
		sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
		sort.Slice(cs, func(i, j int) bool { return cs[i] < cs[j] })
		res[tool]["status (clean)"], cpu[tool]["status (clean)"] = ts[len(ts)/2], cs[len(cs)/2]
	}
	g := runEnv(dirs["git"], env, "git", "rev-parse", "HEAD^{tree}")
	e := runEnv(dirs["easel"], env, "git", "rev-parse", "HEAD^{tree}")
	fmt.Printf("trees equal: %v\n", g == e)
	// Wall-clock time is what users see; CPU time (user+system) is
	// printed too because on a shared machine it is the steadier figure.
	fmt.Printf("%-16s %10s %10s %7s | %10s %10s %7s\n", "operation", "git wall", "easel wall", "ratio", "git cpu", "easel cpu", "ratio")
	line := func(op string, gw, ew, gc, ec time.Duration) {
		fmt.Printf("%-16s %10s %10s %6.2fx | %10s %10s %6.2fx\n", op, gw.Round(time.Millisecond), ew.Round(time.Millisecond), float64(ew)/float64(gw),
			gc.Round(time.Millisecond), ec.Round(time.Millisecond), float64(ec)/float64(max(gc, time.Millisecond)))
	}
	for _, op := range []string{"status (clean)", "add -A", "commit"} {
		line(op, res["git"][op], res["easel"][op], cpu["git"][op], cpu["easel"][op])
	}
	line("add -A + commit", res["git"]["add -A"]+res["git"]["commit"], res["easel"]["add -A"]+res["easel"]["commit"],
		cpu["git"]["add -A"]+cpu["git"]["commit"], cpu["easel"]["add -A"]+cpu["easel"]["commit"])
}

// generate writes n files in 100 directories (nested two deep), sized
// around total/n, of text-like content so that compression has work to do.
func generate(dir string, n int, total int64) {
	rng := rand.New(rand.NewSource(1))
	words := []string{"alpha", "beta", "gamma", "delta", "func", "return", "if", "else", "for", "range", "struct", "easel", "commit", "tree", "blob", "\n", "\t", "{", "}", "0x1f", "42"}
	avg := total / int64(n)
	buf := make([]byte, 0, 4*avg)
	for i := 0; i < n; i++ {
		d := filepath.Join(dir, fmt.Sprintf("d%02d", i%100), fmt.Sprintf("s%d", i%7))
		check(os.MkdirAll(d, 0o755))
		size := avg/2 + rng.Int63n(avg)
		buf = buf[:0]
		for int64(len(buf)) < size {
			buf = append(buf, words[rng.Intn(len(words))]...)
			buf = append(buf, ' ')
			if rng.Intn(8) == 0 {
				buf = append(buf, byte('a'+rng.Intn(26)), byte('0'+rng.Intn(10)))
			}
		}
		check(os.WriteFile(filepath.Join(d, fmt.Sprintf("f%05d.txt", i)), buf, 0o644))
	}
}

// timeIt returns the wall-clock and CPU (user+system) time of one run.
func timeIt(dir string, env []string, bin string, args ...string) (time.Duration, time.Duration) {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = env
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall := time.Since(start)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s %v: %v\n%s", bin, args, err, out)
		os.Exit(1)
	}
	return wall, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

func run(dir, bin string, args ...string) string { return runEnv(dir, os.Environ(), bin, args...) }

func runEnv(dir string, env []string, bin string, args ...string) string {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s %v: %v\n%s", bin, args, err, out)
		os.Exit(1)
	}
	return string(out)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
