package packobj

import (
	"bytes"
	"container/heap"
	"fmt"
	"strconv"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/odb"
)

// Enumerate lists every object reachable from roots in the order git's
// rev-list --objects gives them: commits newest first, then tags, then
// the trees and blobs of each commit in turn, each with the path it was
// first reached by (the name hash's input). Roots may be of any type
// (tags are peeled, trees and blobs are listed as they are, as an index
// or a tag can name them). Only ids and paths are held, never contents.
func Enumerate(db *odb.DB, roots []plumbing.Hash) ([]Object, error) {
	seen := make(map[plumbing.Hash]struct{}, 1024)
	var commits, tags, trees []Object
	var pending commitHeap
	add := func(h plumbing.Hash) bool {
		if _, ok := seen[h]; ok {
			return false
		}
		seen[h] = struct{}{}
		return true
	}
	pushCommit := func(h plumbing.Hash, data []byte) {
		heap.Push(&pending, commitAt{h, commitTime(data)})
	}
	for _, r := range roots {
		for {
			if _, ok := seen[r]; ok {
				break
			}
			t, data, err := db.Read(r)
			if err != nil {
				return nil, fmt.Errorf("object %s: %w", r, err)
			}
			add(r)
			switch t {
			case plumbing.TagObject:
				tags = append(tags, Object{ID: r})
				target, ok := headerHash(data, "object ")
				if !ok {
					return nil, fmt.Errorf("tag %s: no object", r)
				}
				r = target
				continue
			case plumbing.CommitObject:
				pushCommit(r, data)
			case plumbing.TreeObject:
				trees = append(trees, Object{ID: r})
			default:
				trees = append(trees, Object{ID: r})
			}
			break
		}
	}
	var rootTrees []plumbing.Hash
	for pending.Len() > 0 {
		c := heap.Pop(&pending).(commitAt)
		commits = append(commits, Object{ID: c.id})
		_, data, err := db.Read(c.id)
		if err != nil {
			return nil, fmt.Errorf("commit %s: %w", c.id, err)
		}
		tree, ok := headerHash(data, "tree ")
		if !ok {
			return nil, fmt.Errorf("commit %s: no tree", c.id)
		}
		rootTrees = append(rootTrees, tree)
		for _, p := range parents(data) {
			if !add(p) {
				continue
			}
			_, pdata, err := db.Read(p)
			if err != nil {
				return nil, fmt.Errorf("commit %s: %w", p, err)
			}
			pushCommit(p, pdata)
		}
	}
	out := append(commits, tags...)
	// Trees named directly (by the index's cache or a tag) are walked
	// with the commits' trees.
	var walk func(h plumbing.Hash, path string) error
	walk = func(h plumbing.Hash, path string) error {
		t, data, err := db.Read(h)
		if err != nil {
			return fmt.Errorf("tree %s: %w", h, err)
		}
		if t != plumbing.TreeObject {
			return nil
		}
		for len(data) > 0 {
			sp := bytes.IndexByte(data, ' ')
			nul := bytes.IndexByte(data, 0)
			if sp < 0 || nul < sp || nul+21 > len(data) {
				return fmt.Errorf("tree %s: malformed", h)
			}
			mode := data[:sp]
			name := string(data[sp+1 : nul])
			var id plumbing.Hash
			copy(id[:], data[nul+1:nul+21])
			data = data[nul+21:]
			if string(mode) == "160000" { // a gitlink: not ours
				continue
			}
			if !add(id) {
				continue
			}
			p := name
			if path != "" {
				p = path + "/" + name
			}
			out = append(out, Object{ID: id, Path: p})
			if mode[0] == '4' { // 40000: a subtree
				if err := walk(id, p); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, t := range rootTrees {
		if !add(t) {
			continue
		}
		out = append(out, Object{ID: t})
		if err := walk(t, ""); err != nil {
			return nil, err
		}
	}
	for _, t := range trees {
		out = append(out, t)
		if err := walk(t.ID, ""); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func headerHash(data []byte, key string) (plumbing.Hash, bool) {
	for len(data) > 0 {
		nl := bytes.IndexByte(data, '\n')
		if nl <= 0 {
			break
		}
		line := data[:nl]
		data = data[nl+1:]
		if bytes.HasPrefix(line, []byte(key)) && len(line) == len(key)+40 {
			return plumbing.NewHash(string(line[len(key):])), plumbing.IsHash(string(line[len(key):]))
		}
	}
	return plumbing.ZeroHash, false
}

func parents(data []byte) []plumbing.Hash {
	var out []plumbing.Hash
	for len(data) > 0 {
		nl := bytes.IndexByte(data, '\n')
		if nl <= 0 {
			break
		}
		line := data[:nl]
		data = data[nl+1:]
		if bytes.HasPrefix(line, []byte("parent ")) && len(line) == 47 {
			out = append(out, plumbing.NewHash(string(line[7:])))
		}
	}
	return out
}

// commitTime is the committer time, for newest-first order.
func commitTime(data []byte) int64 {
	for len(data) > 0 {
		nl := bytes.IndexByte(data, '\n')
		if nl <= 0 {
			break
		}
		line := data[:nl]
		data = data[nl+1:]
		if bytes.HasPrefix(line, []byte("committer ")) {
			gt := bytes.LastIndexByte(line, '>')
			if gt < 0 {
				return 0
			}
			f := bytes.Fields(line[gt+1:])
			if len(f) > 0 {
				t, _ := strconv.ParseInt(string(f[0]), 10, 64)
				return t
			}
		}
	}
	return 0
}

type commitAt struct {
	id plumbing.Hash
	t  int64
}

type commitHeap []commitAt

func (h commitHeap) Len() int           { return len(h) }
func (h commitHeap) Less(i, j int) bool { return h[i].t > h[j].t }
func (h commitHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *commitHeap) Push(x any)        { *h = append(*h, x.(commitAt)) }
func (h *commitHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
