package odb

import (
	"container/list"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
)

// baseCache holds delta bases recently resolved, bounded by bytes and
// evicted least recently used first (git's core.deltaBaseCacheLimit). A
// walk over history resolves the same bases again and again: commits and
// trees of neighbouring revisions are deltas against each other.
type baseCache struct {
	mu    sync.Mutex
	limit int
	size  int
	ll    *list.List
	m     map[cacheKey]*list.Element
}

type cacheKey struct {
	p   *pack
	off uint64
}

type cacheEntry struct {
	key  cacheKey
	typ  plumbing.ObjectType
	data []byte
}

func newBaseCache(limit int) *baseCache {
	return &baseCache{limit: limit, ll: list.New(), m: map[cacheKey]*list.Element{}}
}

func (c *baseCache) get(p *pack, off uint64) (plumbing.ObjectType, []byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[cacheKey{p, off}]; ok {
		c.ll.MoveToFront(e)
		ce := e.Value.(*cacheEntry)
		return ce.typ, ce.data, true
	}
	return 0, nil, false
}

func (c *baseCache) add(p *pack, off uint64, typ plumbing.ObjectType, data []byte) {
	if len(data) > c.limit/4 { // one huge blob must not flush the rest
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	k := cacheKey{p, off}
	if e, ok := c.m[k]; ok {
		c.ll.MoveToFront(e)
		return
	}
	c.m[k] = c.ll.PushFront(&cacheEntry{key: k, typ: typ, data: data})
	c.size += len(data) + 64
	for c.size > c.limit {
		e := c.ll.Back()
		ce := e.Value.(*cacheEntry)
		c.ll.Remove(e)
		delete(c.m, ce.key)
		c.size -= len(ce.data) + 64
	}
}

// drop forgets the entries of a pack that is being closed.
func (c *baseCache) drop(p *pack) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.m {
		if k.p == p {
			c.size -= len(e.Value.(*cacheEntry).data) + 64
			c.ll.Remove(e)
			delete(c.m, k)
		}
	}
}
