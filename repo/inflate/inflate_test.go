package inflate

import (
	"bytes"
	"compress/zlib"
	"errors"
	"io"
	"math/rand"
	"testing"
)

func compress(t testing.TB, data []byte, level int) []byte {
	var b bytes.Buffer
	w, err := zlib.NewWriterLevel(&b, level)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// samples are inputs of every kind deflate treats differently: empty,
// tiny, text-like (dynamic blocks with long matches), random (stored
// blocks at most levels), runs (overlapping copies), and large enough to
// span several blocks.
func samples() [][]byte {
	r := rand.New(rand.NewSource(1))
	words := []string{"tree ", "parent ", "author ", "A U Thor ", "<author@example.com> ", "1112912053 -0700\n", "Signed-off-by: ", "diff --git ", "\n"}
	text := func(n int) []byte {
		var b []byte
		for len(b) < n {
			b = append(b, words[r.Intn(len(words))]...)
		}
		return b[:n]
	}
	random := func(n int) []byte {
		b := make([]byte, n)
		r.Read(b)
		return b
	}
	out := [][]byte{{}, {'a'}, []byte("hello, world\n"), bytes.Repeat([]byte{'z'}, 1000), bytes.Repeat([]byte("ab"), 40000)}
	for _, n := range []int{10, 100, 300, 1000, 5000, 70000, 300000} {
		out = append(out, text(n), random(n))
		mixed := append(text(n/2), random(n/2)...)
		out = append(out, mixed)
	}
	return out
}

func TestZlibMatchesCompressZlib(t *testing.T) {
	var z Inflater
	for i, data := range samples() {
		for _, level := range []int{zlib.NoCompression, zlib.BestSpeed, zlib.DefaultCompression, zlib.BestCompression, zlib.HuffmanOnly} {
			src := compress(t, data, level)
			dst := make([]byte, len(data))
			if err := z.Zlib(dst, src); err != nil {
				t.Fatalf("sample %d level %d: %v", i, level, err)
			}
			if !bytes.Equal(dst, data) {
				t.Fatalf("sample %d level %d: output differs", i, level)
			}
			// The wrong size is an error either way.
			if len(data) > 0 {
				if err := z.Zlib(make([]byte, len(data)-1), src); !errors.Is(err, ErrTooLong) {
					t.Fatalf("sample %d level %d, size-1: %v, want ErrTooLong", i, level, err)
				}
			}
			if err := z.Zlib(make([]byte, len(data)+1), src); !errors.Is(err, ErrShort) {
				t.Fatalf("sample %d level %d, size+1: %v, want ErrShort", i, level, err)
			}
			// A prefix is the data's start.
			for _, n := range []int{0, 1, 20, len(data) / 2, len(data)} {
				if n > len(data) {
					continue
				}
				p := make([]byte, n)
				m, err := z.Prefix(p, src)
				if err != nil || m != n || !bytes.Equal(p, data[:n]) {
					t.Fatalf("sample %d level %d prefix %d: %d %v", i, level, n, m, err)
				}
			}
		}
	}
}

// Damaged streams: whenever Zlib accepts one, compress/zlib accepts it too
// with the same output; truncated and checksum-damaged streams fail.
func TestZlibDamaged(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	var z Inflater
	for i, data := range samples() {
		src := compress(t, data, zlib.DefaultCompression)
		if err := z.Zlib(make([]byte, len(data)), src[:len(src)-1]); err == nil {
			t.Fatalf("sample %d: truncated stream accepted", i)
		}
		bad := append([]byte(nil), src...)
		bad[len(bad)-1] ^= 1
		if err := z.Zlib(make([]byte, len(data)), bad); err == nil {
			t.Fatalf("sample %d: bad checksum accepted", i)
		}
		for k := 0; k < 50; k++ {
			bad := append([]byte(nil), src...)
			bad[r.Intn(len(bad))] ^= byte(1 + r.Intn(255))
			differential(t, &z, bad, len(data))
		}
	}
}

func differential(t *testing.T, z *Inflater, src []byte, size int) {
	t.Helper()
	dst := make([]byte, size)
	err := z.Zlib(dst, src)
	zr, zerr := zlib.NewReader(bytes.NewReader(src))
	var want []byte
	if zerr == nil {
		want, zerr = io.ReadAll(zr)
	}
	if err == nil && (zerr != nil || !bytes.Equal(want, dst)) {
		t.Fatalf("accepted a stream compress/zlib reads as %d bytes, %v", len(want), zerr)
	}
	if zerr == nil && len(want) == size && err != nil {
		t.Fatalf("refused a stream compress/zlib accepts: %v", err)
	}
}

func FuzzZlib(f *testing.F) {
	for _, d := range samples()[:8] {
		f.Add(compress(f, d, zlib.DefaultCompression), len(d))
	}
	f.Fuzz(func(t *testing.T, src []byte, size int) {
		if size < 0 || size > 1<<20 {
			return
		}
		var z Inflater
		differential(t, &z, src, size)
	})
}

func BenchmarkInflateCommits(b *testing.B) {
	data := samples()[14] // 1000 bytes of commit-like text
	b.Logf("%d bytes", len(data))
	src := compress(b, data, zlib.DefaultCompression)
	dst := make([]byte, len(data))
	b.Run("inflate", func(b *testing.B) {
		var z Inflater
		for i := 0; i < b.N; i++ {
			if err := z.Zlib(dst, src); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("compress-zlib", func(b *testing.B) {
		br := bytes.NewReader(src)
		zr, _ := zlib.NewReader(br)
		for i := 0; i < b.N; i++ {
			br.Reset(src)
			zr.(zlib.Resetter).Reset(br, nil)
			if _, err := io.ReadFull(zr, dst); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// bitWriter writes a deflate stream by hand: values least significant bit
// first, Huffman codes most significant bit first.
type bitWriter struct {
	out  []byte
	acc  uint32
	nacc uint
}

func (w *bitWriter) bits(v uint32, n uint) {
	w.acc |= v << w.nacc
	w.nacc += n
	for w.nacc >= 8 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
		w.nacc -= 8
	}
}

func (w *bitWriter) code(c uint32, n uint) {
	for i := int(n) - 1; i >= 0; i-- {
		w.bits(c>>uint(i)&1, 1)
	}
}

// handStream is a zlib stream of one dynamic block that encodes "a" with
// a literal/length code where 'a' has one bit and end-of-block two bits;
// with withB, 'b' has two bits as well and the code is complete, without
// it a quarter of the code space is unused.
func handStream(withB bool) []byte {
	w := &bitWriter{out: []byte{0x78, 0x01}}
	w.bits(1, 1)  // final
	w.bits(2, 2)  // dynamic
	w.bits(0, 5)  // 257 literal/length codes
	w.bits(0, 5)  // 1 distance code
	w.bits(14, 4) // 18 code length code lengths
	// In clOrder: 16 17 18 0 8 7 9 6 10 5 11 4 12 3 13 2 14 1; symbols
	// 0, 1, 2 and 18 get two bits: 00, 01, 10, 11.
	for _, l := range []uint32{0, 0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2} {
		w.bits(l, 3)
	}
	zeros := func(n int) {
		for n > 0 {
			k := min(n, 138)
			w.code(3, 2) // 18: a run of zeros
			w.bits(uint32(k-11), 7)
			n -= k
		}
	}
	zeros(97)
	w.code(1, 2) // 'a': length 1
	eob := uint32(2)
	if withB {
		w.code(2, 2) // 'b': length 2
		zeros(157)
		eob = 3
	} else {
		zeros(158)
	}
	w.code(2, 2) // end of block: length 2
	w.code(1, 2) // the one distance code: length 1
	w.code(0, 1) // 'a'
	w.code(eob, 2)
	if w.nacc > 0 {
		w.bits(0, 8-w.nacc)
	}
	return append(w.out, 0x00, 0x62, 0x00, 0x62) // Adler-32 of "a"
}

// An incomplete literal/length code is refused, as compress/flate and
// zlib refuse it; the same block with a complete code inflates.
func TestIncompleteCode(t *testing.T) {
	var z Inflater
	for _, complete := range []bool{true, false} {
		src := handStream(complete)
		dst := make([]byte, 1)
		err := z.Zlib(dst, src)
		zr, zerr := zlib.NewReader(bytes.NewReader(src))
		if zerr == nil {
			_, zerr = io.ReadAll(zr)
		}
		if complete && (err != nil || zerr != nil || dst[0] != 'a') {
			t.Fatalf("complete code: %v (compress/zlib: %v), %q", err, zerr, dst)
		}
		if !complete && (!errors.Is(err, ErrCorrupt) || zerr == nil) {
			t.Fatalf("incomplete code: %v (compress/zlib: %v), want both to fail", err, zerr)
		}
	}
}
