package treecheck

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
)

// Severity is what git's fsck makes of a finding.
type Severity int

// git's fsck message types (fsck.h), in increasing order of gravity.
const (
	SevIgnore Severity = iota
	SevInfo            // reported as a warning
	SevWarn
	SevError
	SevFatal
)

// severities are git 2.39's default types of each message id.
// Built on first use rather than when the program starts.
var severities = sync.OnceValue(func() map[string]Severity {
	return map[string]Severity{
		"nulInHeader": SevFatal, "unterminatedHeader": SevFatal,
		"badDate": SevError, "badDateOverflow": SevError, "badEmail": SevError, "badName": SevError,
		"badObjectSha1": SevError, "badParentSha1": SevError, "badTagObject": SevError, "badTimezone": SevError,
		"badTree": SevError, "badTreeSha1": SevError, "badType": SevError, "duplicateEntries": SevError,
		"missingAuthor": SevError, "missingCommitter": SevError, "missingEmail": SevError,
		"missingNameBeforeEmail": SevError, "missingObject": SevError, "missingSpaceBeforeDate": SevError,
		"missingSpaceBeforeEmail": SevError, "missingTag": SevError, "missingTagEntry": SevError,
		"missingTree": SevError, "missingType": SevError, "missingTypeEntry": SevError,
		"multipleAuthors": SevError, "treeNotSorted": SevError, "unknownType": SevError,
		"zeroPaddedDate": SevError, "gitmodulesMissing": SevError, "gitmodulesBlob": SevError,
		"gitmodulesLarge": SevError, "gitmodulesName": SevError, "gitmodulesSymlink": SevError,
		"gitmodulesUrl": SevError, "gitmodulesPath": SevError, "gitmodulesUpdate": SevError,
		"gitattributesMissing": SevError, "gitattributesLarge": SevError, "gitattributesLineLength": SevError,
		"gitattributesBlob": SevError,
		"emptyName":         SevWarn, "fullPathname": SevWarn, "hasDot": SevWarn, "hasDotdot": SevWarn, "hasDotgit": SevWarn,
		"nullSha1": SevWarn, "zeroPaddedFilemode": SevWarn, "nulInCommit": SevWarn,
		"badFilemode": SevInfo, "gitmodulesParse": SevInfo, "gitignoreSymlink": SevInfo,
		"gitattributesSymlink": SevInfo, "mailmapSymlink": SevInfo, "badTagName": SevInfo,
		"missingTaggerEntry": SevInfo,
		"extraHeaderEntry":   SevIgnore,
	}
})

// MsgIDs lists the message ids git knows, for validating fsck.<id> config.
func MsgIDs() []string {
	out := make([]string, 0, len(severities()))
	for id := range severities() {
		out = append(out, id)
	}
	return out
}

// Finding is one problem an object check found: git's message id
// (camelCase, as git prints it) and message.
type Finding struct {
	ID  string
	Msg string
	// Detail is the parser's own complaint git prints before the
	// finding ("empty filename in tree entry"), if any.
	Detail string
}

func (f Finding) String() string { return f.ID + ": " + f.Msg }

// Policy decides the severity of findings: git's defaults, --strict, and
// the fsck.<msg-id> settings (keys in lower case, as config reports them).
type Policy struct {
	Strict    bool
	Overrides map[string]Severity // by lower-cased message id
}

// SeverityOf is the severity of message id under the policy, as git's
// fsck_msg_type computes it; SevInfo and SevFatal come back as SevWarn and SevError,
// the way they are reported.
func (p Policy) SeverityOf(id string) Severity {
	s, ok := p.Overrides[strings.ToLower(id)]
	if !ok {
		s = severities()[id]
		if p.Strict && s == SevWarn {
			s = SevError
		}
	}
	switch s {
	case SevInfo:
		return SevWarn
	case SevFatal:
		return SevError
	}
	return s
}

// ParseSeverity reads a fsck.<msg-id> value.
func ParseSeverity(v string) (Severity, bool) {
	switch strings.ToLower(v) {
	case "error":
		return SevError, true
	case "warn":
		return SevWarn, true
	case "ignore":
		return SevIgnore, true
	}
	return 0, false
}

// checker collects findings and stops at the first error, as git's
// checks return as soon as report() says the finding is an error.
type checker struct {
	p        Policy
	findings []Finding
}

// report records a finding and tells whether the check must stop.
func (c *checker) report(id, msg string) bool {
	s := c.p.SeverityOf(id)
	if s == SevIgnore {
		return false
	}
	c.findings = append(c.findings, Finding{ID: id, Msg: msg})
	return s >= SevError
}

// CheckTree checks a raw tree as git's fsck_tree does and returns every
// finding in git's order: per-entry ones as they are met, then one of
// each kind of problem (null ids, full pathnames, empty names, ".",
// "..", ".git", zero-padded modes, bad modes, duplicates, order).
func CheckTree(data []byte, p Policy) []Finding {
	c := &checker{p: p}
	var nullID, fullPath, emptyName, dot, dotdot, dotgit, zeroPad, badModes, dups, unsorted bool
	var prev Entry
	var files []string
	first := true
	for len(data) > 0 {
		sp := bytes.IndexByte(data, ' ')
		nul := bytes.IndexByte(data, 0)
		if len(data) < 20+3 || sp <= 0 || nul < sp || len(data) < nul+21 {
			c.detail("too-short tree object")
			break
		}
		var e Entry
		e.Mode, e.Name = internMode(data[:sp]), string(data[sp+1:nul])
		copy(e.Hash[:], data[nul+1:nul+21])
		if e.octal() == 0 {
			c.detail("malformed mode in tree entry")
			break
		}
		if e.Name == "" {
			c.detail("empty filename in tree entry")
			break
		}
		data = data[nul+21:]
		name := e.Name
		if e.Hash == [20]byte{} {
			nullID = true
		}
		fullPath = fullPath || strings.IndexByte(name, '/') >= 0
		dot = dot || name == "."
		dotdot = dotdot || name == ".."
		dotgit = dotgit || IsDotGit(name) || strings.ContainsRune(name, '\\') && isDotGitWindowsPath(name)
		zeroPad = zeroPad || e.Mode[0] == '0'
		if IsDotGitmodules(name) && e.IsSymlink() {
			if c.report("gitmodulesSymlink", ".gitmodules is a symbolic link") {
				return c.findings
			}
		}
		switch e.octal() {
		case 0o100755, 0o100644, 0o120000, 0o040000, 0o160000:
		case 0o100664:
			badModes = badModes || p.Strict
		default:
			badModes = true
		}
		if !first {
			if prev.Name == name {
				dups = true
			} else if compareEntries(prev, e) > 0 {
				unsorted = true
			}
		}
		for len(files) > 0 && !strings.HasPrefix(name, files[len(files)-1]) {
			files = files[:len(files)-1]
		}
		if e.IsDir() {
			for _, f := range files {
				if f == name {
					dups = true
				}
			}
		} else {
			files = append(files, name)
		}
		prev, first = e, false
	}
	for _, k := range []struct {
		on      bool
		id, msg string
	}{
		{nullID, "nullSha1", "contains entries pointing to null sha1"},
		{fullPath, "fullPathname", "contains full pathnames"},
		{emptyName, "emptyName", "contains empty pathname"},
		{dot, "hasDot", "contains '.'"},
		{dotdot, "hasDotdot", "contains '..'"},
		{dotgit, "hasDotgit", "contains '.git'"},
		{zeroPad, "zeroPaddedFilemode", "contains zero-padded file modes"},
		{badModes, "badFilemode", "contains bad file modes"},
		{dups, "duplicateEntries", "contains duplicate file entries"},
		{unsorted, "treeNotSorted", "not properly sorted"},
	} {
		if k.on {
			c.report(k.id, k.msg)
		}
	}
	return c.findings
}

// detail reports a tree git cannot parse, with the parser's complaint.
func (c *checker) detail(why string) {
	if c.report("badTree", "cannot be parsed as a tree") {
		c.findings[len(c.findings)-1].Detail = why
	}
}

// at returns b[i], or NUL past the end: git's object buffers end in a NUL
// its parsers rely on.
func at(b []byte, i int) byte {
	if i >= 0 && i < len(b) {
		return b[i]
	}
	return 0
}

func (c *checker) verifyHeaders(b []byte) bool {
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case 0:
			return c.report("nulInHeader", fmt.Sprintf("unterminated header: NUL at offset %d", i)) || true
		case '\n':
			if i+1 < len(b) && b[i+1] == '\n' {
				return false
			}
		}
	}
	if len(b) > 0 && b[len(b)-1] == '\n' {
		return false
	}
	c.report("unterminatedHeader", "unterminated header")
	return true
}

// hexLine parses "<40 hex>\n" at the start of b: the rest after the
// newline, ok false when malformed (rest is then after the line).
func hexLine(b []byte) ([]byte, bool) {
	if len(b) >= 41 && b[40] == '\n' {
		ok := true
		for _, ch := range b[:40] {
			if !('0' <= ch && ch <= '9' || 'a' <= ch && ch <= 'f' || 'A' <= ch && ch <= 'F') {
				ok = false
			}
		}
		if ok {
			return b[41:], true
		}
	}
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[i+1:], false
	}
	return nil, false
}

// CheckCommit checks a commit as git's fsck_commit does.
func CheckCommit(data []byte, p Policy) []Finding {
	c := &checker{p: p}
	if c.verifyHeaders(data) {
		return c.findings
	}
	b, ok := bytes.CutPrefix(data, []byte("tree "))
	if !ok {
		c.report("missingTree", "invalid format - expected 'tree' line")
		return c.findings
	}
	if b, ok = hexLine(b); !ok && c.report("badTreeSha1", "invalid 'tree' line format - bad sha1") {
		return c.findings
	}
	for {
		rest, ok := bytes.CutPrefix(b, []byte("parent "))
		if !ok {
			break
		}
		if b, ok = hexLine(rest); !ok && c.report("badParentSha1", "invalid 'parent' line format - bad sha1") {
			return c.findings
		}
	}
	authors := 0
	for {
		rest, ok := bytes.CutPrefix(b, []byte("author "))
		if !ok {
			break
		}
		authors++
		if b = c.ident(rest); b == nil {
			return c.findings
		}
	}
	if authors < 1 && c.report("missingAuthor", "invalid format - expected 'author' line") ||
		authors > 1 && c.report("multipleAuthors", "invalid format - multiple 'author' lines") {
		return c.findings
	}
	rest, ok := bytes.CutPrefix(b, []byte("committer "))
	if !ok {
		c.report("missingCommitter", "invalid format - expected 'committer' line")
		return c.findings
	}
	if c.ident(rest) == nil {
		return c.findings
	}
	if bytes.IndexByte(data, 0) >= 0 {
		c.report("nulInCommit", "NUL byte in the commit object body")
	}
	return c.findings
}

// ident checks an author, committer or tagger line (after the keyword)
// as git's fsck_ident does; it returns what follows the line, or nil
// when an error stopped the check.
func (c *checker) ident(b []byte) []byte {
	next := b[len(b):]
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		next = b[i+1:]
	}
	stop := func(id, msg string) []byte {
		if c.report(id, msg) {
			return nil
		}
		return next
	}
	p := 0
	if at(b, 0) == '<' {
		return stop("missingNameBeforeEmail", "invalid author/committer line - missing space before email")
	}
	for at(b, p) != 0 && !strings.ContainsRune("<>\n", rune(at(b, p))) {
		p++
	}
	switch {
	case at(b, p) == '>':
		return stop("badName", "invalid author/committer line - bad name")
	case at(b, p) != '<':
		return stop("missingEmail", "invalid author/committer line - missing email")
	case at(b, p-1) != ' ':
		return stop("missingSpaceBeforeEmail", "invalid author/committer line - missing space before email")
	}
	p++
	for at(b, p) != 0 && !strings.ContainsRune("<>\n", rune(at(b, p))) {
		p++
	}
	if at(b, p) != '>' {
		return stop("badEmail", "invalid author/committer line - bad email")
	}
	p++
	if at(b, p) != ' ' {
		return stop("missingSpaceBeforeDate", "invalid author/committer line - missing space before date")
	}
	p++
	for at(b, p) == ' ' || at(b, p) == '\t' {
		p++
	}
	if !isDigit(at(b, p)) {
		return stop("badDate", "invalid author/committer line - bad date")
	}
	if at(b, p) == '0' && at(b, p+1) != ' ' {
		return stop("zeroPaddedDate", "invalid author/committer line - zero-padded date")
	}
	end := p
	for isDigit(at(b, end)) {
		end++
	}
	if v, err := strconv.ParseUint(string(b[p:end]), 10, 64); err != nil || v >= math.MaxInt64 {
		return stop("badDateOverflow", "invalid author/committer line - date causes integer overflow")
	}
	if at(b, end) != ' ' {
		return stop("badDate", "invalid author/committer line - bad date")
	}
	p = end + 1
	if (at(b, p) != '+' && at(b, p) != '-') || !isDigit(at(b, p+1)) || !isDigit(at(b, p+2)) ||
		!isDigit(at(b, p+3)) || !isDigit(at(b, p+4)) || at(b, p+5) != '\n' {
		return stop("badTimezone", "invalid author/committer line - bad time zone")
	}
	return next
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// CheckTag checks an annotated tag as git's fsck_tag_standalone does.
func CheckTag(data []byte, p Policy) []Finding {
	c := &checker{p: p}
	if c.verifyHeaders(data) {
		return c.findings
	}
	b, ok := bytes.CutPrefix(data, []byte("object "))
	if !ok {
		c.report("missingObject", "invalid format - expected 'object' line")
		return c.findings
	}
	if b, ok = hexLine(b); !ok && c.report("badObjectSha1", "invalid 'object' line format - bad sha1") {
		return c.findings
	}
	if b, ok = bytes.CutPrefix(b, []byte("type ")); !ok {
		c.report("missingTypeEntry", "invalid format - expected 'type' line")
		return c.findings
	}
	eol := bytes.IndexByte(b, '\n')
	if eol < 0 {
		c.report("missingType", "invalid format - unexpected end after 'type' line")
		return c.findings
	}
	switch string(b[:eol]) {
	case "commit", "tree", "blob", "tag":
	default:
		if c.report("badType", "invalid 'type' value") {
			return c.findings
		}
	}
	b = b[eol+1:]
	if b, ok = bytes.CutPrefix(b, []byte("tag ")); !ok {
		c.report("missingTagEntry", "invalid format - expected 'tag' line")
		return c.findings
	}
	eol = bytes.IndexByte(b, '\n')
	if eol < 0 {
		c.report("missingTag", "invalid format - unexpected end after 'type' line")
		return c.findings
	}
	if name := string(b[:eol]); !validTagName(name) && c.report("badTagName", "invalid 'tag' name: "+name) {
		return c.findings
	}
	b = b[eol+1:]
	if rest, ok := bytes.CutPrefix(b, []byte("tagger ")); ok {
		if b = c.ident(rest); b == nil {
			return c.findings
		}
	} else if c.report("missingTaggerEntry", "invalid format - expected 'tagger' line") {
		return c.findings
	}
	if len(b) > 0 && b[0] != '\n' {
		c.report("extraHeaderEntry", "invalid format - extra header(s) after 'tagger'")
	}
	return c.findings
}

// validTagName is git's check_refname_format of "refs/tags/<name>".
func validTagName(name string) bool {
	if name == "" || name == "@" || strings.HasSuffix(name, ".") || strings.HasSuffix(name, "/") ||
		strings.HasPrefix(name, "/") || strings.Contains(name, "..") || strings.Contains(name, "@{") ||
		strings.Contains(name, "//") {
		return false
	}
	for _, comp := range strings.Split(name, "/") {
		if strings.HasPrefix(comp, ".") || strings.HasSuffix(comp, ".lock") {
			return false
		}
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(" ~^:?*[\\", r) {
			return false
		}
	}
	return true
}
