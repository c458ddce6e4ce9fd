package repo

import (
	"encoding/binary"
	"time"

	"easel.dev/easel/repo/indexfile"
)

// assumeUnchanged lists the index entries marked assume-unchanged (git's
// CE_VALID, "git update-index --assume-unchanged"): git grep searches
// their blobs rather than the work tree. The index decoder keeps no such
// mark, so the flags are read here from the entries themselves. An index
// this cannot walk yields none.
func (r *Repository) assumeUnchanged() map[string]bool {
	var out map[string]bool
	_ = readIndexFile(r.indexPath(), func(data []byte, _ time.Time) error {
		out = scanAssumeValid(data)
		return nil
	})
	return out
}

// scanAssumeValid walks the entries of an index file (versions 2 to 4)
// and returns the names whose assume-valid flag (0x8000) is set.
func scanAssumeValid(data []byte) map[string]bool {
	if len(data) < 12 || string(data[:4]) != "DIRC" {
		return nil
	}
	version := binary.BigEndian.Uint32(data[4:8])
	n := int(binary.BigEndian.Uint32(data[8:12]))
	off := 12
	prev := ""
	var out map[string]bool
	const fixed = 62 // stat data, mode, ids, size, object id, flags
	for i := 0; i < n; i++ {
		if off+fixed > len(data) {
			return out
		}
		flags := binary.BigEndian.Uint16(data[off+60 : off+62])
		p := off + fixed
		if flags&0x4000 != 0 && version >= 3 {
			p += 2
		}
		var name string
		if version == 4 {
			nm, used, err := indexfile.V4Name(data[p:], prev)
			if err != nil {
				return out
			}
			name, p = nm, p+used
		} else {
			end := p
			for end < len(data) && data[end] != 0 {
				end++
			}
			if end >= len(data) {
				return out
			}
			name = string(data[p:end])
			// Entries are padded with NULs to a multiple of 8 bytes.
			p = off + (end-off+8)&^7
		}
		if flags&0x8000 != 0 {
			if out == nil {
				out = map[string]bool{}
			}
			out[name] = true
		}
		prev, off = name, p
	}
	return out
}
