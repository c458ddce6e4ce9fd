package packobj

import (
	"bytes"
	"math/rand"
	"testing"

	"easel.dev/easel/repo/odb"
)

func checkDelta(t *testing.T, base, trg []byte) []byte {
	t.Helper()
	d := makeDelta(newDeltaIndex(base), trg, 0)
	if d == nil {
		if len(base) > blockSize && len(trg) > 0 {
			t.Fatalf("no delta for %d->%d bytes without a limit", len(base), len(trg))
		}
		return nil
	}
	got, err := odb.ApplyDelta(base, d)
	if err != nil {
		t.Fatalf("delta does not apply: %v", err)
	}
	if !bytes.Equal(got, trg) {
		t.Fatalf("delta rebuilds %d bytes, want %d", len(got), len(trg))
	}
	return d
}

func TestDeltaRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	rnd := func(n int) []byte { b := make([]byte, n); rng.Read(b); return b }
	base := rnd(100000)
	// an edit in the middle, a prefix and a suffix
	trg := append(append(append([]byte("new head"), base[:40000]...), rnd(300)...), base[40100:]...)
	d := checkDelta(t, base, trg)
	if len(d) > 1000 {
		t.Errorf("delta of a small edit is %d bytes", len(d))
	}
	// unrelated data: the delta is about the target's size
	checkDelta(t, base, rnd(5000))
	// repetitive data, long copies beyond one copy op, zero bytes
	rep := bytes.Repeat([]byte("abcdefghijklmnopq"), 20000)
	checkDelta(t, rep, append(rep[:len(rep)-5], 'x'))
	zeros := make([]byte, 300000)
	d = checkDelta(t, zeros, append(zeros[:200000:200000], rnd(10)...))
	if len(d) > 200 {
		t.Errorf("delta of repeated zeros is %d bytes", len(d))
	}
	// tiny targets and bases
	checkDelta(t, base[:17], base[:17])
	checkDelta(t, base, base[5:9])
	for i := 0; i < 200; i++ {
		b := rnd(rng.Intn(3000) + 20)
		tg := append([]byte{}, b...)
		for k := rng.Intn(10); k > 0; k-- {
			p := rng.Intn(len(tg))
			switch rng.Intn(3) {
			case 0:
				tg = append(tg[:p], append(rnd(rng.Intn(50)), tg[p:]...)...)
			case 1:
				tg = append(tg[:p], tg[min(len(tg), p+rng.Intn(50)):]...)
			default:
				tg[p] ^= 0xff
			}
		}
		if len(tg) > 0 {
			checkDelta(t, b, tg)
		}
	}
}

func TestDeltaLimit(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	base := make([]byte, 10000)
	rng.Read(base)
	other := make([]byte, 10000)
	rng.Read(other)
	if d := makeDelta(newDeltaIndex(base), other, 500); d != nil {
		t.Fatalf("delta of %d bytes over the limit of 500", len(d))
	}
	if d := makeDelta(newDeltaIndex(base), base, 500); d == nil {
		t.Fatal("no delta of identical data within 500 bytes")
	}
}

func BenchmarkDelta(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	base := make([]byte, 1<<20)
	rng.Read(base)
	trg := append(append([]byte{}, base[:500000]...), base[500100:]...)
	b.SetBytes(int64(len(trg)))
	for i := 0; i < b.N; i++ {
		makeDelta(newDeltaIndex(base), trg, 0)
	}
}
