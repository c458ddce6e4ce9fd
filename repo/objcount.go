package repo

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// approxObjectCount is git's repo_approximate_object_count: the number of
// objects in the pack indexes of the repository and its alternates, a
// multi-pack-index counted once for all the packs it covers. Loose objects
// are not counted, as git 2.39 does not count them. It reads 4 bytes of
// each index (the last fan-out entry) and never the ids themselves, so it
// costs one small read per pack whatever the repository's size.
func approxObjectCount(objectDirs []string) uint64 {
	var count uint64
	for _, dir := range objectDirs {
		packDir := filepath.Join(dir, "pack")
		covered := map[string]bool{}
		if n, packs, err := midxObjectCount(filepath.Join(packDir, "multi-pack-index")); err == nil {
			count += n
			for _, p := range packs {
				covered[strings.TrimSuffix(p, ".idx")] = true
			}
		}
		idxs, _ := filepath.Glob(filepath.Join(packDir, "pack-*.idx"))
		for _, idx := range idxs {
			base := strings.TrimSuffix(filepath.Base(idx), ".idx")
			if covered[base] {
				continue
			}
			// git only uses an index whose pack is there.
			if _, err := os.Stat(strings.TrimSuffix(idx, ".idx") + ".pack"); err != nil {
				continue
			}
			if n, err := idxObjectCount(idx); err == nil {
				count += n
			}
		}
	}
	return count
}

var idxV2Magic = []byte{0xff, 't', 'O', 'c'}

// idxObjectCount reads the number of objects in a pack index, version 1 or
// 2: the last entry of its fan-out table.
func idxObjectCount(path string) (uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var hdr [8]byte
	if _, err := f.ReadAt(hdr[:], 0); err != nil {
		return 0, err
	}
	off := int64(255 * 4) // version 1: the fan-out table comes first
	if bytes.Equal(hdr[:4], idxV2Magic) {
		if v := binary.BigEndian.Uint32(hdr[4:]); v != 2 {
			return 0, errors.New("unsupported pack index version " + strconv.Itoa(int(v)))
		}
		off += 8
	}
	var n [4]byte
	if _, err := f.ReadAt(n[:], off); err != nil {
		return 0, err
	}
	return uint64(binary.BigEndian.Uint32(n[:])), nil
}

// midxObjectCount reads a multi-pack-index: its number of objects (the last
// entry of its OIDF fan-out chunk) and the names of the pack indexes it
// covers (PNAM chunk).
func midxObjectCount(path string) (uint64, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, nil, err
	}
	defer f.Close()
	var hdr [12]byte
	if _, err := f.ReadAt(hdr[:], 0); err != nil {
		return 0, nil, err
	}
	if string(hdr[:4]) != "MIDX" || hdr[4] != 1 {
		return 0, nil, errors.New("unsupported multi-pack-index")
	}
	chunks := int(hdr[6])
	table := make([]byte, 12*(chunks+1))
	if _, err := f.ReadAt(table, 12); err != nil {
		return 0, nil, err
	}
	var oidf, pnam, pnamEnd int64 = -1, -1, -1
	for i := 0; i < chunks; i++ {
		e := table[12*i:]
		off := int64(binary.BigEndian.Uint64(e[4:12]))
		switch string(e[:4]) {
		case "OIDF":
			oidf = off
		case "PNAM":
			pnam = off
			pnamEnd = int64(binary.BigEndian.Uint64(table[12*(i+1)+4:]))
		}
	}
	if oidf < 0 || pnam < 0 || pnamEnd < pnam {
		return 0, nil, errors.New("multi-pack-index without fan-out or pack names")
	}
	var n [4]byte
	if _, err := f.ReadAt(n[:], oidf+255*4); err != nil {
		return 0, nil, err
	}
	names := make([]byte, pnamEnd-pnam)
	if _, err := f.ReadAt(names, pnam); err != nil {
		return 0, nil, err
	}
	var packs []string
	for _, name := range bytes.Split(names, []byte{0}) {
		if len(name) > 0 {
			packs = append(packs, string(name))
		}
	}
	return uint64(binary.BigEndian.Uint32(n[:])), packs, nil
}

// objectDirs lists a repository's object directory followed by its
// alternates (objects/info/alternates), recursively and each once, as git
// links them: relative paths are relative to the directory naming them,
// and git stops following after five levels.
func objectDirs(objects string) []string {
	var out []string
	seen := map[string]bool{}
	var add func(dir string, depth int)
	add = func(dir string, depth int) {
		dir = filepath.Clean(dir)
		if seen[dir] {
			return
		}
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return
		}
		seen[dir] = true
		out = append(out, dir)
		if depth > 5 {
			return
		}
		f, err := os.Open(filepath.Join(dir, "info", "alternates"))
		if err != nil {
			return
		}
		defer f.Close()
		for _, line := range readAlternates(f) {
			if !filepath.IsAbs(line) {
				line = filepath.Join(dir, line)
			}
			add(line, depth+1)
		}
	}
	add(objects, 0)
	return out
}

// readAlternates reads the paths of an alternates file: one a line, "#"
// comments and empty lines skipped, C-quoted paths unquoted.
func readAlternates(r io.Reader) []string {
	var out []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" || line[0] == '#' {
			continue
		}
		if line[0] == '"' {
			if u, err := strconv.Unquote(line); err == nil {
				line = u
			}
		}
		out = append(out, line)
	}
	return out
}
