package remote

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// readRefs lists the refs under refs/ (loose ones over packed-refs) and
// what HEAD points at. go-git's reference iterator also reads the
// "<ref>.lock" files a ref transaction holds, and fails on them while they
// are still empty; a server lists refs while pushes are running, so it
// reads them itself and skips lock files.
func readRefs(gitDir string) (refs map[string]plumbing.Hash, head string, err error) {
	refs = map[string]plumbing.Hash{}
	if data, err := os.ReadFile(filepath.Join(gitDir, "packed-refs")); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if line == "" || line[0] == '#' || line[0] == '^' {
				continue
			}
			id, name, ok := strings.Cut(line, " ")
			if h, good := parseHex(id); ok && good {
				refs[name] = h
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, "", err
	}
	root := filepath.Join(gitDir, "refs")
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil // removed while we walked
			}
			return err
		}
		if d.IsDir() || strings.HasSuffix(p, ".lock") {
			return nil
		}
		data, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(gitDir, p)
		if h, ok := parseHex(strings.TrimSpace(string(data))); ok {
			refs[filepath.ToSlash(rel)] = h
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	if data, err := os.ReadFile(filepath.Join(gitDir, "HEAD")); err == nil {
		if t, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "ref: "); ok {
			head = t
		}
	}
	return refs, head, nil
}

func parseHex(s string) (plumbing.Hash, bool) {
	var h plumbing.Hash
	if len(s) != 40 {
		return h, false
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, false
	}
	return h, true
}
