package gitconfig

import (
	"os"
	"sync"
	"time"
)

// A command looks its settings up one by one, and each lookup goes through
// every configuration file. Opening and reading them again each time was
// most of what a lookup cost once their parsing was cached, so the text of
// each file is kept for the process, as git keeps its configuration; a
// file is only stat'ed again before its text is used: one that was
// replaced (a new inode, as every locked rewrite makes one), resized or
// touched is read afresh, and easel's own writers drop it with Forget.
var fileCache struct {
	sync.Mutex
	m map[string]cachedFile
}

type cachedFile struct {
	fi   os.FileInfo // nil: the file did not exist
	data []byte
}

// fileCacheEntries bounds what is kept: a server reads the files of many
// repositories.
const fileCacheEntries = 64

// readConfigFile is os.ReadFile through the cache; the result is shared
// and must not be changed.
func readConfigFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, err // nothing kept: a lookup costs the stat anyway
		}
		return os.ReadFile(path) // the error as reading gives it
	}
	// On Windows the file's id is read from the path only when first
	// compared: read it now, or a kept entry would take the id of
	// whatever file the path names at the next lookup and match it.
	os.SameFile(fi, fi)
	fileCache.Lock()
	c, ok := fileCache.m[path]
	fileCache.Unlock()
	if ok && sameFile(c.fi, fi) {
		return c.data, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	// The stat before the read: a file changed in between is stale at
	// the next lookup, never the other way round.
	if fi.Mode().IsRegular() && len(data) <= parseCacheMaxText && int64(len(data)) == fi.Size() &&
		time.Since(fi.ModTime()) > racyWindow {
		fileCache.Lock()
		if fileCache.m == nil || len(fileCache.m) >= fileCacheEntries {
			fileCache.m = make(map[string]cachedFile)
		}
		fileCache.m[path] = cachedFile{fi: fi, data: data}
		fileCache.Unlock()
	}
	return data, nil
}

// racyWindow: a file modified this recently may be written again within
// the file system's timestamp granularity, its size unchanged, where the
// stat could not tell; it is not kept (git's racy-clean rule).
const racyWindow = 2 * time.Second

func sameFile(a, b os.FileInfo) bool {
	return a.Size() == b.Size() && a.ModTime().Equal(b.ModTime()) && a.Mode() == b.Mode() && os.SameFile(a, b)
}

// Forget drops what is kept of the file at path, after it was written.
func Forget(path string) {
	fileCache.Lock()
	delete(fileCache.m, path)
	fileCache.Unlock()
}
