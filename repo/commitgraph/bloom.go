package commitgraph

import (
	"encoding/binary"
	"math/bits"
	"strings"
)

// Changed-path Bloom filters (the BIDX and BDAT chunks git writes with
// --changed-paths): for each commit, a filter of the paths, and their
// leading directories, that differ from its first parent. A path absent
// from the filter did not change; present, it may have.

const bloomHeader = 12 // BDAT: hash version, number of hashes, bits per entry

// bloomSettings reads the settings of the first layer that has filters;
// git requires a chain to agree on them.
func (g *Graph) bloomSettings() (version, hashes uint32, ok bool) {
	for _, l := range g.layers {
		if l.bdat != nil && len(l.bdat) >= bloomHeader && l.bidx != nil {
			v := binary.BigEndian.Uint32(l.bdat)
			n := binary.BigEndian.Uint32(l.bdat[4:])
			if (v != 1 && v != 2) || n == 0 || n > 32 {
				return 0, 0, false
			}
			return v, n, true
		}
	}
	return 0, 0, false
}

// ChangedPaths returns a test of whether the commit at pos may change one
// of paths (slash-separated, relative to the top) against its first
// parent: false only when the commit's filter rules every path out. Nil
// when the graph has no filters or a path cannot be looked up ("" is the
// whole tree).
func (g *Graph) ChangedPaths(paths []string) func(pos uint32) bool {
	version, hashes, ok := g.bloomSettings()
	if !ok || len(paths) == 0 {
		return nil
	}
	// Each path is looked up with every leading directory, as git does:
	// a change to a/b/c puts a, a/b and a/b/c in the filter, so any one
	// missing rules the path out.
	var keys [][][]uint32
	for _, p := range paths {
		p = strings.Trim(p, "/")
		if p == "" || p == "." {
			return nil
		}
		var ks [][]uint32
		for {
			ks = append(ks, bloomKey(p, hashes, version))
			i := strings.LastIndexByte(p, '/')
			if i < 0 {
				break
			}
			p = p[:i]
		}
		keys = append(keys, ks)
	}
	return func(pos uint32) bool {
		filter, ok := g.bloomFilter(pos)
		if !ok {
			return true
		}
		for _, ks := range keys {
			all := true
			for _, k := range ks {
				if !bloomContains(filter, k) {
					all = false
					break
				}
			}
			if all {
				return true
			}
		}
		return false
	}
}

// bloomFilter returns the filter of the commit at pos, and false when its
// layer has none.
func (g *Graph) bloomFilter(pos uint32) ([]byte, bool) {
	l, i, ok := g.layerOf(pos)
	if !ok || l.bidx == nil || l.bdat == nil || uint64(len(l.bidx)) < uint64(l.n)*4 {
		return nil, false
	}
	var start uint32
	if i > 0 {
		start = binary.BigEndian.Uint32(l.bidx[(i-1)*4:])
	}
	end := binary.BigEndian.Uint32(l.bidx[i*4:])
	if start > end || uint64(end)+bloomHeader > uint64(len(l.bdat)) {
		return nil, false
	}
	return l.bdat[bloomHeader+start : bloomHeader+end], true
}

// bloomContains is git's bloom_filter_contains: an empty filter answers
// "maybe", as does one with every bit of the key set.
func bloomContains(filter []byte, key []uint32) bool {
	mod := uint64(len(filter)) * 8
	if mod == 0 {
		return true
	}
	for _, h := range key {
		bit := uint64(h) % mod
		if filter[bit/8]&(1<<(bit%8)) == 0 {
			return false
		}
	}
	return true
}

// bloomKey is git's fill_bloom_key: hashes derived from two seeded
// murmur3 hashes of the path.
func bloomKey(path string, n, version uint32) []uint32 {
	h0 := murmur3(0x293ae76f, path, version)
	h1 := murmur3(0x7e646e2c, path, version)
	key := make([]uint32, n)
	for i := range key {
		key[i] = h0 + uint32(i)*h1
	}
	return key
}

// murmur3 is git's murmur3_seeded. Version 1 filters were written by a
// git that read path bytes as (signed, on the usual platforms) char, so
// bytes of 0x80 and above are sign-extended there; version 2 reads them
// unsigned.
func murmur3(seed uint32, data string, version uint32) uint32 {
	const (
		c1 = 0xcc9e2d51
		c2 = 0x1b873593
	)
	b := func(i int) uint32 {
		if version == 1 {
			return uint32(int32(int8(data[i])))
		}
		return uint32(data[i])
	}
	n := len(data)
	i := 0
	for ; i+4 <= n; i += 4 {
		k := b(i) | b(i+1)<<8 | b(i+2)<<16 | b(i+3)<<24
		k *= c1
		k = bits.RotateLeft32(k, 15)
		k *= c2
		seed ^= k
		seed = bits.RotateLeft32(seed, 13)*5 + 0xe6546b64
	}
	var k1 uint32
	switch n & 3 {
	case 3:
		k1 ^= b(i+2) << 16
		fallthrough
	case 2:
		k1 ^= b(i+1) << 8
		fallthrough
	case 1:
		k1 ^= b(i)
		k1 *= c1
		k1 = bits.RotateLeft32(k1, 15)
		k1 *= c2
		seed ^= k1
	}
	seed ^= uint32(n)
	seed ^= seed >> 16
	seed *= 0x85ebca6b
	seed ^= seed >> 13
	seed *= 0xc2b2ae35
	seed ^= seed >> 16
	return seed
}
