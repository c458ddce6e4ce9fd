package wildmatch

import "testing"

// Cases whose answers follow from git's documented gitignore/gitattributes
// rules; the differential test in repo/attr compares whole attribute
// lookups with git check-attr.
func TestMatch(t *testing.T) {
	cases := []struct {
		pattern, text string
		flags         Flags
		want          bool
	}{
		{"*.c", "a.c", PathName, true},
		{"*.c", "dir/a.c", PathName, false},
		{"*.c", "dir/a.c", 0, true},
		{"**/b", "b", PathName, true},
		{"**/b", "a/x/b", PathName, true},
		{"a/**/b", "a/b", PathName, true},
		{"a/**/b", "a/x/y/b", PathName, true},
		{"a/**", "a/x/y", PathName, true},
		{"a/**", "a", PathName, false},
		{"a/*/b", "a/x/y/b", PathName, false},
		{"?.md", "1.md", PathName, true},
		{"?", "/", PathName, false},
		{"[ab]*", "b.c", PathName, true},
		{"[!a]x", "ax", PathName, false},
		{"[^a]x", "bx", PathName, true},
		{"[a-c]", "B", CaseFold, true},
		{"[[:digit:]]*", "1x", PathName, true},
		{"[[:bogus:]]", "b", PathName, false},
		{"\\*.c", "*.c", PathName, true},
		{"\\*.c", "a.c", PathName, false},
		{"*.TXT", "x.txt", CaseFold, true},
		{"*.TXT", "x.txt", 0, false},
		{"foo", "foobar", 0, false},
		{"", "", 0, true},
	}
	for _, c := range cases {
		if got := Match(c.pattern, c.text, c.flags); got != c.want {
			t.Errorf("Match(%q, %q, %v) = %v, want %v", c.pattern, c.text, c.flags, got, c.want)
		}
	}
}
