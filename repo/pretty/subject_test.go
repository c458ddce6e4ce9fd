package pretty

import (
	"math/rand"
	"strings"
	"testing"
)

// splitSubject is the first paragraph joined by spaces, spelled out the
// plain way: the lines up to the first blank one after any leading blank
// lines, right-trimmed of spaces, tabs and CRs.
func splitSubject(msg string) string {
	lines := strings.Split(msg, "\n")
	i := 0
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	var parts []string
	for ; i < len(lines) && strings.TrimSpace(lines[i]) != ""; i++ {
		parts = append(parts, strings.TrimRight(lines[i], " \t\r"))
	}
	return strings.Join(parts, " ")
}

func TestSubjectFirstParagraph(t *testing.T) {
	for msg, want := range map[string]string{
		"":                                "",
		"\n\n":                            "",
		"one\n":                           "one",
		"one":                             "one",
		"\n \nfirst\nsecond \t\n\nbody\n": "first second",
		"a\r\n\u00a0\nb\n":                "a",
		"title\t \n":                      "title",
	} {
		if got := Subject(msg); got != want {
			t.Errorf("Subject(%q) = %q, want %q", msg, got, want)
		}
	}
	r := rand.New(rand.NewSource(1))
	pieces := []string{"a", "b c", " ", "\t", "\r", "\n", "\n\n", "\u00a0", "\v", "x\n"}
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		for n := r.Intn(8); n > 0; n-- {
			b.WriteString(pieces[r.Intn(len(pieces))])
		}
		msg := b.String()
		if got, want := Subject(msg), splitSubject(msg); got != want {
			t.Fatalf("Subject(%q) = %q, want %q", msg, got, want)
		}
	}
}
