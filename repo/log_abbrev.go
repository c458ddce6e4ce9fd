package repo

import (
	"math/bits"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
)

// Abbreviator shortens object ids the way git does: core.abbrev digits,
// or by default (core.abbrev unset or "auto") a length that grows with the
// number of packed objects (7 for small repositories), and longer when
// another object shares the prefix. Packed objects are looked up in the
// object database's pack indexes (a binary search, not a scan of every
// object); each loose object directory is listed once. Objects of
// alternates count as git counts them.
type Abbreviator struct {
	r     *Repository
	once  sync.Once
	min   int
	dirs  []string // object directories: the repository's, then alternates
	mu    sync.Mutex
	loose map[string][]string // "ab" -> names of loose objects in objects/ab of every dir
}

// NewAbbreviator returns an abbreviator for r. It is cheap until first used.
func (r *Repository) NewAbbreviator() *Abbreviator {
	return &Abbreviator{r: r, loose: map[string][]string{}}
}

// ShortID abbreviates h (which need not exist in the repository).
func (a *Abbreviator) ShortID(h plumbing.Hash) string {
	return a.Short(h, 0)
}

// Short abbreviates h to at least n hex digits (n <= 0: git's default).
func (a *Abbreviator) Short(h plumbing.Hash, n int) string {
	a.once.Do(a.load)
	if n <= 0 {
		n = a.min
	}
	full := h.String()
	if n >= len(full) {
		return full
	}
	common := a.longestShared(h, full)
	if common+1 > n {
		n = common + 1
	}
	if n > len(full) {
		n = len(full)
	}
	return full[:n]
}

// DefaultAbbrevLen is git's default abbreviation length for a repository
// holding count packed objects (find_unique_abbrev with core.abbrev
// "auto"): about 2^b objects make a collision likely at b/2 bits, there
// are 4 bits per hex digit, and never fewer than 7 digits.
func DefaultAbbrevLen(count uint64) int {
	// bits.Len64 is git's msb(count) + 1: 2^len covers count.
	n := (bits.Len64(count) + 1) / 2
	if n < 7 {
		n = 7
	}
	return n
}

func (a *Abbreviator) load() {
	a.dirs = objectDirs(filepath.Join(a.r.GitDir, "objects"))
	a.min = a.configured()
	if a.min <= 0 {
		a.min = DefaultAbbrevLen(approxObjectCount(a.dirs))
	}
}

// configured reads core.abbrev: a number of digits (4 to 40), "no" or
// false for whole ids, "auto" or unset for git's default (0 here).
func (a *Abbreviator) configured() int {
	v, ok, err := a.r.ConfigGet("core.abbrev")
	if err != nil || !ok {
		return 0
	}
	switch strings.ToLower(v) {
	case "auto":
		return 0
	case "false", "no", "off", "":
		return 40
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 4 || n > 40 {
		// git refuses the value and keeps its default.
		return 0
	}
	return n
}

// longestShared is the number of leading hex digits h (full in hex)
// shares with any other object in the repository.
func (a *Abbreviator) longestShared(h plumbing.Hash, full string) int {
	best := 0
	for _, name := range a.looseNames(full[:2]) {
		if name == full[2:] {
			continue
		}
		if c := 2 + commonPrefix(name, full[2:]); c > best {
			best = c
		}
	}
	if c := a.r.Objects.PackedSharedPrefix(h); c > best {
		best = c
	}
	return best
}

func (a *Abbreviator) looseNames(dir string) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if names, ok := a.loose[dir]; ok {
		return names
	}
	var names []string
	for _, d := range a.dirs {
		entries, _ := os.ReadDir(filepath.Join(d, dir))
		for _, e := range entries {
			if len(e.Name()) == 38 {
				names = append(names, e.Name())
			}
		}
	}
	a.loose[dir] = names
	return names
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// shortRefName is how git prints a ref in lists: without refs/heads/,
// refs/tags/ or refs/remotes/.
func shortRefName(name plumbing.ReferenceName) string {
	s := name.String()
	for _, p := range []string{"refs/heads/", "refs/tags/", "refs/remotes/"} {
		if strings.HasPrefix(s, p) {
			return s[len(p):]
		}
	}
	return s
}
