package repo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"easel.dev/easel/repo/lockfile"
	"easel.dev/easel/repo/packobj"
	"easel.dev/easel/repo/prune"
	"easel.dev/easel/repo/repack"
)

// GCOptions are git gc's.
type GCOptions struct {
	Aggressive bool
	Auto       bool // only when thresholds say so (gc.auto, gc.autoPackLimit)
	// PruneExpire: unreachable objects older than this go; prune.Never
	// keeps them all (--no-prune), prune.All removes them now. Zero: the
	// gc.pruneExpire setting, two weeks ago by default.
	PruneExpire time.Time
	Force       bool // run even when gc.pid says another gc is running
	KeepLargest bool // leave the largest pack as it is (--keep-largest-pack)
	Now         time.Time
}

// ErrGCRunning is returned when another gc holds gc.pid.
var ErrGCRunning = errors.New("gc is already running")

// GC thresholds, as git's defaults.
const (
	DefaultGCAuto          = 6700
	DefaultGCAutoPackLimit = 50
)

func (r *Repository) configInt(key string, def int) int {
	v, ok, err := r.ConfigGet(key)
	if err != nil || !ok {
		return def
	}
	mult := 1
	switch {
	case strings.HasSuffix(v, "k"), strings.HasSuffix(v, "K"):
		mult, v = 1024, v[:len(v)-1]
	case strings.HasSuffix(v, "m"), strings.HasSuffix(v, "M"):
		mult, v = 1024*1024, v[:len(v)-1]
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return def
	}
	return n * mult
}

// NeedsGC reports whether gc --auto has work: more loose objects than
// gc.auto (estimated, as git does, from the objects/17 directory) or more
// packs without a .keep than gc.autoPackLimit. all is true when the packs
// are what is over the limit (everything is then repacked into one).
func (r *Repository) NeedsGC() (need, all bool) {
	limit := r.configInt("gc.auto", DefaultGCAuto)
	if limit <= 0 {
		return false, false
	}
	if packLimit := r.configInt("gc.autoPackLimit", DefaultGCAutoPackLimit); packLimit > 0 {
		n := 0
		for _, p := range r.Objects.OwnPacks() {
			if !p.Keep {
				n++
			}
		}
		if n > packLimit {
			return true, true
		}
	}
	// One directory of 256 holds about 1/256th of the loose objects.
	ents, _ := os.ReadDir(filepath.Join(r.Objects.Dir(), "17"))
	n := 0
	threshold := (limit + 255) / 256
	for _, e := range ents {
		if len(e.Name()) == 38 {
			n++
			if n > threshold {
				return true, false
			}
		}
	}
	return false, false
}

// AutoGCVetoed runs the pre-auto-gc hook; true when it exists and fails
// (gc --auto then does nothing, as git's does).
func (r *Repository) AutoGCVetoed(stderr io.Writer) bool {
	ran, err := r.Hooks(stderr).Run(context.Background(), "pre-auto-gc", nil, nil)
	return ran && err != nil
}

// LockGC takes gc.pid for this process, as git does: it fails with
// ErrGCRunning while another live process on this host holds it (and the
// file is less than 12 hours old). release removes it.
func (r *Repository) LockGC(force bool) (release func(), err error) {
	path := filepath.Join(r.GitDir, "gc.pid")
	lk, err := lockfile.Acquire(path, 0o644)
	if err != nil {
		return nil, err // names the lock file, as every lock does
	}
	host, _ := os.Hostname()
	if !force {
		if data, err := os.ReadFile(path); err == nil {
			fi, _ := os.Stat(path)
			var pid int
			var h string
			fmt.Sscanf(string(data), "%d %s", &pid, &h)
			if fi != nil && time.Since(fi.ModTime()) < 12*time.Hour && pid > 0 && h == host && pid != os.Getpid() && alive(pid) {
				lk.Rollback()
				return nil, fmt.Errorf("%w on machine '%s' pid %d (use --force if not)", ErrGCRunning, h, pid)
			}
		}
	}
	fmt.Fprintf(lk, "%d %s", os.Getpid(), host)
	if err := lk.Commit(); err != nil {
		return nil, err
	}
	return func() { os.Remove(path) }, nil
}

// GC cleans the repository up as git gc does: refs packed, reflogs
// expired, the objects repacked (unreachable ones of old packs kept loose until they expire),
// unreachable loose objects older than the grace period pruned, the
// commit-graph written. Each step
// leaves a complete repository behind, so it may be killed at any point.
func (r *Repository) GC(opt GCOptions, errOut io.Writer) error {
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	all := true
	if opt.Auto {
		need, packs := r.NeedsGC()
		if !need {
			return nil
		}
		all = packs
	}
	release, err := r.LockGC(opt.Force)
	if err != nil {
		return err
	}
	defer release()
	expire := opt.PruneExpire
	if expire.IsZero() {
		expire = now.Add(-14 * 24 * time.Hour)
		if v, ok, _ := r.ConfigGet("gc.pruneExpire"); ok {
			t, err := ParseExpiryDate(v, now)
			if err != nil {
				return fmt.Errorf("failed to parse gc.pruneExpire value '%s'", v)
			}
			expire = t
		}
	}
	if r.ConfigBool("gc.packRefs", true) {
		if err := r.PackRefs(true, true); err != nil {
			return err
		}
	}
	if all || !opt.Auto {
		// git gc's "reflog expire --all", with gc.reflogExpire and
		// gc.reflogExpireUnreachable: entries gone, their objects may
		// become unreachable and go with the repack and prune below.
		for _, ref := range r.ReflogNames() {
			if err := r.ExpireReflog(ref, ReflogExpireOptions{Now: now}, io.Discard); err != nil {
				return err
			}
		}
	}
	ro := repack.Options{Delete: true, Local: true, KeepLargest: opt.KeepLargest, UpdateServerInfo: r.ConfigBool("repack.updateServerInfo", true)}
	switch {
	case !all:
		// gc --auto over loose objects only: an incremental repack.
	case expire.Equal(prune.All):
		ro.All = true
	default:
		ro.All, ro.Loosen = true, true
		if !expire.Equal(prune.Never) {
			ro.UnpackUnreachable = expire
		}
	}
	if opt.Aggressive {
		ro.Pack = packobj.Options{NoReuseDelta: true, Window: r.configInt("gc.aggressiveWindow", 250), Depth: r.configInt("gc.aggressiveDepth", 50)}
	} else {
		ro.Pack = packobj.Options{Window: r.configInt("pack.window", 10), Depth: r.configInt("pack.depth", 50)}
	}
	if _, err := repack.Run(r.Objects, r.GitDir, ro); err != nil && !errors.Is(err, repack.ErrNothing) {
		return err
	}
	if !expire.Equal(prune.Never) {
		if err := prune.Prune(r.Objects, r.GitDir, prune.Options{Expire: expire}, io.Discard); err != nil {
			return err
		}
	}
	if r.ConfigBool("gc.writeCommitGraph", true) && r.ConfigBool("core.commitGraph", true) {
		if _, err := r.WriteCommitGraph(CommitGraphOptions{Reachable: true}); err != nil {
			return err
		}
	}
	return nil
}

// ParseExpiryDate is ParseExpiry with prune's spelling of "everything"
// and "nothing" (prune.All, prune.Never), which prune and gc compare with.
func ParseExpiryDate(s string, now time.Time) (time.Time, error) {
	t, err := ParseExpiry(s, now)
	switch {
	case err != nil:
		return t, err
	case t.Equal(ExpireAll):
		return prune.All, nil
	case t.Equal(ExpireNever):
		return prune.Never, nil
	}
	return t, nil
}
