package column

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// TestPrintMatchesGitColumn lays lists out as git column does, git being
// the oracle.
func TestPrintMatchesGitColumn(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("needs git")
	}
	lists := [][]string{
		{"a/b/c", "abc", "bam", "bar", "foo", "j/k", "l", "m/m", "main", "mb", "n", "o/o", "o/p", "q", "r", "topic"},
		{"one", "two", "three"},
		{"a-very-long-name-that-fills-most-of-the-line", "x", "y"},
		{"v1.0", "v1.0.1", "v1.1", "v1.10", "v1.2", "v2.0-rc1", "v2.0", "w", "wxyz", "z"},
	}
	for _, items := range lists {
		for _, mode := range []string{"column", "row", "column,dense", "row,dense", "plain"} {
			for _, width := range []int{20, 40, 81} {
				for _, pad := range []int{1, 2} {
					for _, indent := range []string{"", "#\t"} {
						cmd := exec.Command("git", "column", "--mode="+mode, "--width="+strconv.Itoa(width), "--padding="+strconv.Itoa(pad), "--indent="+indent)
						cmd.Stdin = strings.NewReader(strings.Join(items, "\n") + "\n")
						want, err := cmd.Output()
						if err != nil {
							t.Fatal(err)
						}
						m := Default()
						if err := m.Apply(mode); err != nil {
							t.Fatal(err)
						}
						// git column's --width is the whole line; print_columns
						// subtracts nothing when a width is given.
						if got := PrintIndented(items, m, width, pad, indent); got != string(want) {
							t.Errorf("%s width %d padding %d indent %q:\n%q\nwant\n%q", mode, width, pad, indent, got, want)
						}
					}
				}
			}
		}
	}
}

func TestApplyTurnsLayoutOn(t *testing.T) {
	m := Default()
	if err := m.Apply("dense"); err != nil || m.Enable != "never" || !m.Dense {
		t.Fatalf("dense alone: %+v %v", m, err)
	}
	if err := m.Apply("row"); err != nil || m.Enable != "always" || m.Layout != "row" {
		t.Fatalf("row: %+v %v", m, err)
	}
	if err := m.Apply("never,column"); err != nil || m.Enable != "never" {
		t.Fatalf("never,column: %+v %v", m, err)
	}
	if err := m.Apply("sideways"); err == nil {
		t.Fatal("an unknown word was accepted")
	}
}
