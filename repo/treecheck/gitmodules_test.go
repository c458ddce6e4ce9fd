package treecheck

import "testing"

// The names git's t0060-path-utils.sh expects is_dotgitmodules to match
// and not to match (is_hfs_dotgitmodules || is_ntfs_dotgitmodules).
func TestIsDotGitmodules(t *testing.T) {
	match := []string{
		".gitmodules", ".git\u200cmodules", ".Gitmodules", ".gitmoduleS",
		".gitmodules ", ".gitmodules.", ".gitmodules  ", ".gitmodules. ", ".gitmodules .", ".gitmodules..",
		".gitmodules   ", ".gitmodules.  ", ".gitmodules . ", ".gitmodules  .",
		".Gitmodules ", ".Gitmodules.", ".Gitmodules  ", ".Gitmodules. ",
		"GITMOD~1", "gitmod~1", "GITMOD~2", "gitmod~3", "GITMOD~4",
		"GITMOD~1 ", "gitmod~2.", "GITMOD~3  ", "gitmod~4. ", "GITMOD~1 .", "gitmod~2   ", "GITMOD~3.  ", "gitmod~4 . ",
		"GI7EBA~1", "gi7eba~9",
		"GI7EB~10", "GI7EB~11", "GI7EB~99", "GI7E~100", "GI7E~101", "GI7E~999", "~1000000", "~9999999",
		".gitmodules:$DATA", "gitmod~4 . :$DATA",
		"\u200c.gitmodules\ufeff", ".GITMODULES\u200d",
	}
	noMatch := []string{
		".gitmodules x", ".gitmodules .x", " .gitmodules", "..gitmodules", "gitmodules", ".gitmodule",
		".gitmodules x ", ".gitmodules.x", "GI7EBA~", "GI7EBA~0", "GI7EBA~~1", "GI7EBA~X", "Gx7EBA~1", "GI7EBX~1",
		"GI7EB~1", "GI7EB~01", "GI7EB~1X", "GITMOD~5", ".gitmodulesx", "notes.txt",
	}
	for _, n := range match {
		if !IsDotGitmodules(n) {
			t.Errorf("IsDotGitmodules(%q) = false, git matches it", n)
		}
	}
	for _, n := range noMatch {
		if IsDotGitmodules(n) {
			t.Errorf("IsDotGitmodules(%q) = true, git does not match it", n)
		}
	}
}

// Modes old git wrote are warnings, not errors: the parse goes on, and
// the entries come back with the warnings beside them.
func TestParseTreeWarn(t *testing.T) {
	var id [20]byte
	id[0] = 1
	tree := func(ents ...[2]string) []byte {
		var b []byte
		for _, e := range ents {
			b = append(b, e[0]+" "+e[1]+"\x00"...)
			b = append(b, id[:]...)
		}
		return b
	}
	entries, warnings, err := ParseTreeWarn(tree([2]string{"100664", "Makefile"}, [2]string{"040000", "d"}, [2]string{"0100644", "e"}))
	if err != nil || len(entries) != 3 || len(warnings) != 3 {
		t.Fatalf("entries %v, warnings %v, err %v", entries, warnings, err)
	}
	if !entries[1].IsDir() || !Warning(warnings[0]) || !Warning(warnings[1]) || !Warning(warnings[2]) {
		t.Fatalf("040000 is a directory, all findings warnings: %v %v", entries[1], warnings)
	}
	if _, err := ParseTree(tree([2]string{"100664", "Makefile"})); err == nil {
		t.Fatal("ParseTree (strict) accepted mode 100664")
	}
	for _, bad := range [][2]string{{"100644", ".git"}, {"100644", ".."}, {"1x0644", "a"}} {
		if _, _, err := ParseTreeWarn(tree(bad)); err == nil || Warning(err) {
			t.Errorf("%q %q: %v, want an error", bad[0], bad[1], err)
		}
	}
}
