package prune

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/odb"
)

// Counts are git count-objects' figures. Sizes are in bytes.
type Counts struct {
	Count         int   // loose objects
	Size          int64 // disk space the loose objects take
	InPack        int   // objects in the repository's own packs
	Packs         int
	SizePack      int64 // bytes of those packs and their indexes
	PrunePackable int   // loose objects a pack also holds
	Garbage       int   // files in the object store that are neither objects nor packs
	SizeGarbage   int64
	// GarbageFiles are git's warnings about them: "garbage found: <path>",
	// "no corresponding .idx: <path>", ...
	GarbageFiles []string
	Alternates   []string
}

// Count measures the object store as git count-objects -v does.
func Count(db *odb.DB) Counts {
	var c Counts
	packs := db.PackFiles(true)
	own := db.PackFiles(false)
	objdir := db.Dir()
	// git lists the pack directory (and complains about it) first.
	c.packGarbage(filepath.Join(objdir, "pack"))
	odb.ForEachLooseFile(objdir, func(id plumbing.Hash, path string) error {
		fi, err := os.Lstat(path)
		if err != nil {
			return nil
		}
		c.Count++
		c.Size += onDisk(fi)
		for _, pf := range packs {
			if pf.Has(id) {
				c.PrunePackable++
				break
			}
		}
		return nil
	}, func(path string) error {
		c.garbage(path, "garbage found")
		return nil
	})
	for _, pf := range own {
		n, err := pf.Count()
		if err != nil {
			continue
		}
		c.Packs++
		c.InPack += n
		for _, ext := range []string{".pack", ".idx"} {
			if fi, err := os.Stat(pf.Base + ext); err == nil {
				c.SizePack += fi.Size()
			}
		}
	}
	dirs := db.ObjectDirs()
	for _, d := range dirs[1:] {
		c.Alternates = append(c.Alternates, d)
	}
	return c
}

func (c *Counts) garbage(path, why string) {
	if fi, err := os.Stat(path); err == nil {
		c.SizeGarbage += fi.Size()
	}
	c.Garbage++
	c.GarbageFiles = append(c.GarbageFiles, why+": "+path)
}

// packGarbage reports the files of the pack directory git does not
// count as parts of a pack: unknown names, and packs or indexes without
// their other half.
func (c *Counts) packGarbage(dir string) {
	ents, _ := os.ReadDir(dir)
	groups := map[string][]string{}
	var bases []string
	for _, e := range ents {
		name := e.Name()
		if e.IsDir() {
			continue
		}
		if name == "multi-pack-index" || strings.HasPrefix(name, "multi-pack-index") && (strings.HasSuffix(name, ".bitmap") || strings.HasSuffix(name, ".rev")) {
			continue
		}
		ext := filepath.Ext(name)
		switch ext {
		case ".idx", ".rev", ".pack", ".bitmap", ".keep", ".promisor", ".mtimes":
			base := strings.TrimSuffix(name, ext)
			if _, ok := groups[base]; !ok {
				bases = append(bases, base)
			}
			groups[base] = append(groups[base], name)
		default:
			c.garbage(filepath.Join(dir, name), "garbage found")
		}
	}
	sort.Strings(bases)
	for _, base := range bases {
		files := groups[base]
		var pack, idx bool
		for _, f := range files {
			pack = pack || strings.HasSuffix(f, ".pack")
			idx = idx || strings.HasSuffix(f, ".idx")
		}
		if pack && idx {
			continue
		}
		why := "no corresponding .idx or .pack"
		switch {
		case pack:
			why = "no corresponding .idx"
		case idx:
			why = "no corresponding .pack"
		}
		sort.Strings(files)
		for _, f := range files {
			c.garbage(filepath.Join(dir, f), why)
		}
	}
}
