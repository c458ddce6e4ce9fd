package userdiff

import "testing"

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		driver, line, want string
		ok                 bool
	}{
		{"python", "    def method(self):\n", "def method(self):", true},
		{"python", "x = 1\n", "", false},
		{"golang", "func (t *T) Do(x int) {\n", "func (t *T) Do(x int) {", true},
		{"golang", "type S struct {\n", "type S struct {", true},
		{"golang", "var x = 1\n", "", false},
		{"cpp", "int main(void)\r\n", "int main(void)", true},
		{"cpp", "label:\n", "", false},
		{"cpp", "\tint a;\n", "", false},
		{"java", "    public void run() {\n", "public void run() {", true},
		{"java", "        return foo(x);\n", "", false},
		{"java", "public class Foo {\n", "public class Foo {", true},
	} {
		pat, ok := Builtin(c.driver)
		if !ok {
			t.Fatalf("no driver %s", c.driver)
		}
		m, err := Compile(pat, true, false)
		if err != nil {
			t.Fatalf("%s: %v", c.driver, err)
		}
		got, ok := m.Match(c.line)
		if ok != c.ok || got != c.want {
			t.Errorf("%s %q: got %q %v, want %q %v", c.driver, c.line, got, ok, c.want, c.ok)
		}
	}
}

func TestCompile(t *testing.T) {
	if _, err := Compile("^a\n!^b", true, false); err != ErrLastNegated {
		t.Errorf("last negated: %v", err)
	}
	// funcname is a basic expression: \( \) group, bare parentheses are literal.
	m, err := Compile(`^\(sec.*\)(x)$`, false, false)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := m.Match("section one(x)"); !ok || got != "section one" {
		t.Errorf("BRE: got %q %v", got, ok)
	}
	// The first group is the header; trailing blanks go; 80 bytes at most.
	m, _ = Compile(`^@ *(.*)$`, true, false)
	long := "@ abcdefghij0123456789abcdefghij0123456789abcdefghij0123456789abcdefghij0123456789XYZ   "
	if got, _ := m.Match(long); len(got) != FuncLen || got[:3] != "abc" {
		t.Errorf("long: %q", got)
	}
	m, _ = Compile("!^skip\n^.*", true, true)
	if _, ok := m.Match("SKIP this"); ok {
		t.Errorf("case-insensitive exclusion did not apply")
	}
}
