package diff3

import (
	"bytes"
	"testing"

	"easel.dev/easel/merge/linediff"
)

// FuzzMerge checks properties every three-way merge must have: merging a
// file with itself changes nothing, and when only one side changed the
// result is that side, whatever the algorithm or style.
func FuzzMerge(f *testing.F) {
	f.Add([]byte("a\nb\nc\n"), []byte("a\nB\nc\n"), uint8(0))
	f.Add([]byte("x\r\ny\r\n"), []byte("x\r\nz"), uint8(1))
	f.Add([]byte(""), []byte("new\n"), uint8(2))
	f.Fuzz(func(t *testing.T, base, other []byte, sel uint8) {
		opts := Options{
			Style:     Style(sel % 3),
			Algorithm: linediff.Algorithm(sel / 3 % 2),
		}
		self := Merge(base, base, base, opts)
		if self.Conflicts != 0 || !bytes.Equal(self.Content, base) {
			t.Fatalf("self-merge of %q gave %q (%d conflicts)", base, self.Content, self.Conflicts)
		}
		one := Merge(base, base, other, opts)
		if one.Conflicts != 0 || !bytes.Equal(one.Content, other) {
			t.Fatalf("theirs-only change %q -> %q gave %q (%d conflicts)", base, other, one.Content, one.Conflicts)
		}
		one = Merge(base, other, base, opts)
		if one.Conflicts != 0 || !bytes.Equal(one.Content, other) {
			t.Fatalf("ours-only change %q -> %q gave %q (%d conflicts)", base, other, one.Content, one.Conflicts)
		}
	})
}
