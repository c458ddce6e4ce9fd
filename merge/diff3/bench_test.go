package diff3

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"easel.dev/easel/merge/linediff"
)

// BenchmarkMerge32kLines merges a 32,000-line file with a few thousand
// changes on each side (the case bench/linemerge.sh times against git).
func BenchmarkMerge32kLines(b *testing.B) {
	r := rand.New(rand.NewSource(1))
	base := make([]string, 32000)
	for i := range base {
		base[i] = fmt.Sprintf("line %d %x\n", i, r.Int63())
	}
	edit := func(seed int64, tag string) []byte {
		r := rand.New(rand.NewSource(seed))
		var sb strings.Builder
		for i, l := range base {
			switch x := r.Float64(); {
			case x < 0.05:
				fmt.Fprintf(&sb, "%s changed %d\n", tag, i)
			case x < 0.07:
			case x < 0.09:
				fmt.Fprintf(&sb, "%s inserted %d\n%s", tag, i, l)
			default:
				sb.WriteString(l)
			}
		}
		return []byte(sb.String())
	}
	bb := []byte(strings.Join(base, ""))
	ours, theirs := edit(2, "ours"), edit(3, "theirs")
	for _, alg := range []linediff.Algorithm{linediff.Myers, linediff.Histogram} {
		b.Run([]string{"histogram", "myers"}[alg], func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				Merge(bb, ours, theirs, Options{Algorithm: alg, AlnumSimplify: true})
			}
		})
	}
}
