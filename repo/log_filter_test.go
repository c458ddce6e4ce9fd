package repo

import (
	"testing"
	"time"
)

func TestParseApproxDate(t *testing.T) {
	now := time.Date(2024, 5, 10, 13, 14, 15, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"2024-05-01":           time.Date(2024, 5, 1, 13, 14, 15, 0, time.UTC), // git keeps the time of day
		"2024-05-01 08:30":     time.Date(2024, 5, 1, 8, 30, 0, 0, time.UTC),
		"2024-05-01T08:30:00Z": time.Date(2024, 5, 1, 8, 30, 0, 0, time.UTC),
		"@1714550400":          time.Unix(1714550400, 0),
		"3 days ago":           now.AddDate(0, 0, -3),
		"2.weeks.ago":          now.AddDate(0, 0, -14),
		"1 hour":               now.Add(-time.Hour),
		"yesterday":            now.AddDate(0, 0, -1),
	} {
		got, err := ParseApproxDate(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("%q: %v %v, want %v", in, got, err, want)
		}
	}
	if _, err := ParseApproxDate("someday", now); err == nil {
		t.Error("someday parsed")
	}
}

func TestBasicToGo(t *testing.T) {
	for _, c := range []struct{ bre, match, noMatch string }{
		{`(.|.)`, "(1|2)", "1"},
		{`\(a\|b\)c`, "bc", "(a|b)c"},
		{`a\+`, "aaa", "a+x"[2:]},
		{`a+`, "a+", "aa"},
		{`*x`, "*x", "x"},
		{`\<is\>`, "it is here", "this"},
		{`[\d]`, `\`, "5"},
		{`[]a]x`, "]x", "bx"},
		{`[[:digit:]]\{2\}`, "42", "4a"},
	} {
		re, err := CompileLogPattern(c.bre, false, PatternBasic)
		if err != nil {
			t.Fatalf("%s: %v", c.bre, err)
		}
		if !re.MatchString(c.match) || re.MatchString(c.noMatch) {
			t.Errorf("%s (as %s): want a match of %q and none of %q", c.bre, re, c.match, c.noMatch)
		}
	}
	re, err := CompileLogPattern("s.c(nd", true, PatternFixed)
	if err != nil || !re.MatchString("S.C(ND") || re.MatchString("second") {
		t.Errorf("fixed: %v %v", re, err)
	}
}
