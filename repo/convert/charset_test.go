package convert

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
)

var writeCharsets = flag.Bool("write-charsets", false, "rewrite charsets.go from golang.org/x/text's name indexes")

// referenceCharset is the lookup charsetByName stands for.
func referenceCharset(name string) (encoding.Encoding, bool) {
	if e, err := ianaindex.IANA.Encoding(name); err == nil && e != nil {
		return e, true
	}
	if e, err := htmlindex.Get(name); err == nil && e != nil {
		return e, true
	}
	return nil, false
}

// ianaASCII is ianaindex's own US-ASCII, which asciiEncoding copies.
func ianaASCII(t *testing.T) encoding.Encoding {
	e, err := ianaindex.IANA.Encoding("US-ASCII")
	if err != nil || e == nil {
		t.Fatalf("ianaindex has no US-ASCII: %v", err)
	}
	return e
}

// charsetCandidates are the character sets the table may name, with the
// expression that gives each.
func charsetCandidates(t *testing.T) []struct {
	expr string
	enc  encoding.Encoding
} {
	type cand = struct {
		expr string
		enc  encoding.Encoding
	}
	var out []cand
	for i, e := range charmap.All {
		out = append(out, cand{fmt.Sprintf("charmap.All[%d] // %s", i, e), e})
	}
	for _, c := range []cand{
		{"japanese.EUCJP", japanese.EUCJP}, {"japanese.ISO2022JP", japanese.ISO2022JP}, {"japanese.ShiftJIS", japanese.ShiftJIS},
		{"korean.EUCKR", korean.EUCKR},
		{"simplifiedchinese.GB18030", simplifiedchinese.GB18030}, {"simplifiedchinese.GBK", simplifiedchinese.GBK},
		{"simplifiedchinese.HZGB2312", simplifiedchinese.HZGB2312},
		{"traditionalchinese.Big5", traditionalchinese.Big5},
		{"unicode.UTF8", unicode.UTF8}, {"unicode.UTF8BOM", unicode.UTF8BOM},
		{"encoding.Replacement", encoding.Replacement}, {"encoding.Nop", encoding.Nop},
		{"asciiEncoding{}", ianaASCII(t)},
	} {
		out = append(out, c)
	}
	for _, o := range []string{"BigEndian", "LittleEndian"} {
		for _, b := range []string{"IgnoreBOM", "UseBOM", "ExpectBOM"} {
			e := unicode.UTF16(map[string]unicode.Endianness{"BigEndian": unicode.BigEndian, "LittleEndian": unicode.LittleEndian}[o],
				map[string]unicode.BOMPolicy{"IgnoreBOM": unicode.IgnoreBOM, "UseBOM": unicode.UseBOM, "ExpectBOM": unicode.ExpectBOM}[b])
			out = append(out, cand{fmt.Sprintf("unicode.UTF16(unicode.%s, unicode.%s)", o, b), e})
		}
	}
	return out
}

// charsetIndexNames are every name either index knows: ianaindex's aliases
// (read from its unexported map) and htmlindex's labels (read from its
// source, as it has no way to list them).
func charsetIndexNames(t *testing.T) (iana, html []string) {
	m := reflect.ValueOf(ianaindex.IANA).Elem().FieldByName("alias")
	for _, k := range m.MapKeys() {
		iana = append(iana, k.String())
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go not installed: cannot find golang.org/x/text's source")
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "golang.org/x/text").Output()
	if err != nil {
		t.Fatalf("go list golang.org/x/text: %v", err)
	}
	src := filepath.Join(strings.TrimSpace(string(out)), "encoding", "htmlindex", "tables.go")
	f, err := parser.ParseFile(token.NewFileSet(), src, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Names) != 1 || vs.Names[0].Name != "nameMap" {
			return true
		}
		for _, el := range vs.Values[0].(*ast.CompositeLit).Elts {
			s, err := strconv.Unquote(el.(*ast.KeyValueExpr).Key.(*ast.BasicLit).Value)
			if err != nil {
				t.Fatal(err)
			}
			html = append(html, s)
		}
		return false
	})
	if len(iana) < 1000 || len(html) < 200 {
		t.Fatalf("read %d IANA names and %d WHATWG labels: the indexes changed shape", len(iana), len(html))
	}
	return iana, html
}

// charsetSource is charsets.go as the indexes give it.
func charsetSource(t *testing.T, iana, html []string) []byte {
	cands := charsetCandidates(t)
	seen := map[string]bool{}
	var names []string
	for _, n := range append(append([]string(nil), iana...), html...) {
		if l := strings.ToLower(n); !seen[l] {
			seen[l] = true
			names = append(names, l)
		}
	}
	sort.Strings(names)
	used := map[int]int{} // candidate -> id
	var order []int
	var kept []string
	var of []int
	for _, n := range names {
		e, ok := referenceCharset(n)
		if !ok {
			continue // a registered name x/text has no character set for
		}
		c := -1
		for i := range cands {
			if cands[i].enc == e {
				c = i
				break
			}
		}
		if c < 0 {
			t.Fatalf("%q: character set %v is none of charsetCandidates", n, e)
		}
		id, ok := used[c]
		if !ok {
			id = len(order)
			used[c] = id
			order = append(order, c)
		}
		kept = append(kept, n)
		of = append(of, id)
	}
	if len(order) > 256 {
		t.Fatalf("%d character sets: charsetOf holds uint8", len(order))
	}
	var b bytes.Buffer
	b.WriteString("// Code generated by 'go test ./repo/convert -run TestCharsetTable -write-charsets'; DO NOT EDIT.\n\n")
	b.WriteString("package convert\n\nimport (\n")
	for _, p := range []string{"encoding", "encoding/charmap", "encoding/japanese", "encoding/korean",
		"encoding/simplifiedchinese", "encoding/traditionalchinese", "encoding/unicode"} {
		pkg := p[strings.LastIndexByte(p, '/')+1:] + "."
		for _, c := range order {
			if strings.HasPrefix(cands[c].expr, pkg) {
				fmt.Fprintf(&b, "\t%q\n", "golang.org/x/text/"+p)
				break
			}
		}
	}
	b.WriteString(")\n\n")
	b.WriteString("// charsetNames are the names charsetByName knows, lowercase and sorted;\n")
	b.WriteString("// charsetOf[i] is the character set of charsetNames[i].\n")
	b.WriteString("var charsetNames = [...]string{\n")
	for _, n := range kept {
		fmt.Fprintf(&b, "\t%q,\n", n)
	}
	b.WriteString("}\n\nvar charsetOf = [...]uint8{")
	for i, id := range of {
		if i%20 == 0 {
			b.WriteString("\n\t")
		} else {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%d,", id)
	}
	b.WriteString("\n}\n\nfunc charsetEncoding(i uint8) encoding.Encoding {\n\tswitch i {\n")
	for id, c := range order {
		fmt.Fprintf(&b, "\tcase %d:\n\t\treturn %s\n", id, cands[c].expr)
	}
	b.WriteString("\t}\n\treturn nil\n}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		t.Fatalf("generated source: %v\n%s", err, b.Bytes())
	}
	return src
}

// charsets.go holds exactly the names and character sets of x/text's two
// indexes (regenerate it with -write-charsets after upgrading x/text), and
// charsetByName finds what they find, in any case and spacing.
func TestCharsetTable(t *testing.T) {
	iana, html := charsetIndexNames(t)
	want := charsetSource(t, iana, html)
	if *writeCharsets {
		if err := os.WriteFile("charsets.go", want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := os.ReadFile("charsets.go"); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("charsets.go differs from golang.org/x/text's indexes (err %v): run go test ./repo/convert -run TestCharsetTable -write-charsets", err)
	}
	ascii := ianaASCII(t)
	var names []string
	for _, n := range append(iana, html...) {
		names = append(names, n, strings.ToUpper(n), strings.ToLower(n), " "+n+"\t")
	}
	names = append(names, "", "no-such-charset", "utf-8x", "latin")
	for _, n := range names {
		got, gok := charsetByName(n)
		want, wok := referenceCharset(n)
		if wok && want == ascii {
			want = asciiEncoding{}
		}
		if gok != wok || got != want {
			t.Errorf("%q: %v %v, the indexes give %v %v", n, got, gok, want, wok)
		}
	}
}

// asciiEncoding reads and writes as ianaindex's US-ASCII.
func TestASCIIEncoding(t *testing.T) {
	ref := ianaASCII(t)
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	for _, in := range [][]byte{all, []byte("plain text\n"), []byte("caf\xc3\xa9"), nil, bytes.Repeat([]byte{0x80, 'a'}, 5000)} {
		g, gerr := asciiEncoding{}.NewDecoder().Bytes(in)
		w, werr := ref.NewDecoder().Bytes(in)
		if !bytes.Equal(g, w) || (gerr == nil) != (werr == nil) {
			t.Errorf("decode %q: %q %v, ianaindex %q %v", in, g, gerr, w, werr)
		}
		g, gerr = asciiEncoding{}.NewEncoder().Bytes(in)
		w, werr = ref.NewEncoder().Bytes(in)
		if !bytes.Equal(g, w) || (gerr == nil) != (werr == nil) {
			t.Errorf("encode %q: %q %v, ianaindex %q %v", in, g, gerr, w, werr)
		}
	}
}
