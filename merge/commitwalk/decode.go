package commitwalk

import (
	"bytes"
	"unsafe"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// DecodeCommit builds go-git's commit from the bytes of commit id for the
// shape nearly every commit has: the tree line, parent lines, author,
// committer, a blank line and the message. It gives exactly what
// object.DecodeCommit gives (the identities through go-git's own
// Signature.Decode) at a fraction of the cost, which counts when log
// shows a whole history: no reader, no line copies, one string for the
// message. ok is false for any other shape (an encoding, signature,
// mergetag or unknown header, a missing line, no message separator):
// the caller decodes those with go-git. The commit has no store, so its
// Tree, Parents and similar methods are not for use; its fields are.
// The message is not copied: it shares data's memory, which the caller
// must not change afterwards (object bytes from the store never change).
func DecodeCommit(id plumbing.Hash, data []byte) (c *object.Commit, ok bool) {
	line, rest, ok := cutLine(data)
	if !ok || len(line) != 45 || !bytes.HasPrefix(line, []byte("tree ")) || len(rest) == 0 {
		return nil, false
	}
	c = &object.Commit{Hash: id, Encoding: "UTF-8"}
	if !hexHash(line[5:], &c.TreeHash) {
		return nil, false
	}
	for {
		line, rest, ok = cutLine(rest)
		if !ok || len(rest) == 0 {
			return nil, false
		}
		if !bytes.HasPrefix(line, []byte("parent ")) {
			break
		}
		var p plumbing.Hash
		if len(line) != 47 || !hexHash(line[7:], &p) {
			return nil, false
		}
		c.ParentHashes = append(c.ParentHashes, p)
	}
	if !bytes.HasPrefix(line, []byte("author ")) {
		return nil, false
	}
	c.Author.Decode(line[len("author "):])
	line, rest, ok = cutLine(rest)
	if !ok || len(rest) == 0 || !bytes.HasPrefix(line, []byte("committer ")) {
		return nil, false
	}
	c.Committer.Decode(line[len("committer "):])
	// The blank line: nothing else may come between the committer and
	// the message.
	if rest[0] != '\n' {
		return nil, false
	}
	if len(rest) > 1 {
		c.Message = unsafe.String(&rest[1], len(rest)-1)
	}
	return c, true
}
