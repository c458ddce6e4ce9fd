// Package convert turns content between its form in the work tree and its
// form in the repository as git's convert.c does: end-of-line conversion
// (text, eol, core.autocrlf, core.eol), $Id$ expansion (ident) and
// clean/smudge filter commands (filter.<driver>.clean/smudge/required).
// Order as git: into the repository the filter runs first, then line
// endings, then ident; out to the work tree the reverse.
package convert

import (
	"bytes"
	"crypto/sha1"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"easel.dev/easel/repo/attr"
)

// Config is the configuration that conversion reads.
type Config struct {
	AutoCRLF string // core.autocrlf: "true", "input", or "" / "false"
	EOL      string // core.eol: "lf", "crlf", "native" or ""
	// Filter looks up a driver's commands (filter.<name>.*).
	Filter func(name string) (Filter, bool)
	// Dir is where filter commands run (the work tree's top).
	Dir string
	// SafeCRLF is core.safecrlf: "true" refuses to add content whose
	// line endings would not survive a checkout, "warn" (git's default,
	// also for "") warns, "false" says nothing.
	SafeCRLF string
	// Warn prints a warning (safecrlf); nil prints nothing.
	Warn func(msg string)
	// Delay, when set, lets process filters delay smudging files (a
	// checkout of many files); Finish then collects them.
	Delay *DelayedCheckout
}

// Filter is one filter.<name> driver.
type Filter struct {
	Clean, Smudge string
	// Process is filter.<name>.process, the long-running filter; Clean
	// and Smudge take precedence only where Process is unset.
	Process  string
	Required bool
}

type crlfAction int

const (
	crlfUndefined crlfAction = iota
	crlfBinary
	crlfText
	crlfTextInput
	crlfTextCRLF
	crlfAuto
	crlfAutoInput
	crlfAutoCRLF
)

// Conversion is what applies to one path.
type Conversion struct {
	crlf       crlfAction
	ident      bool
	filterName string
	filter     *Filter
	encoding   string // working-tree-encoding, "" for none
	cfg        *Config
}

// For decides the conversion of a path from its attributes, as git's
// convert_attrs.
func For(a attr.Attrs, cfg *Config) Conversion {
	c := Conversion{cfg: cfg}
	c.crlf = crlfFromAttr(a.Get("text"))
	if c.crlf == crlfUndefined {
		c.crlf = crlfFromAttr(a.Get("crlf"))
	}
	c.ident = a.Get("ident").IsSet()
	if v := a.Get("working-tree-encoding"); v.State == attr.Valued {
		c.encoding = workTreeEncoding(v.Text)
	}
	if f := a.Get("filter"); f.State == attr.Valued {
		c.filterName = f.Text
		if cfg.Filter != nil {
			if d, ok := cfg.Filter(f.Text); ok {
				c.filter = &d
			}
		}
	}
	if c.crlf != crlfBinary {
		eol := a.Get("eol")
		isLF := eol.State == attr.Valued && eol.Text == "lf"
		isCRLF := eol.State == attr.Valued && eol.Text == "crlf"
		switch {
		case c.crlf == crlfAuto && isLF:
			c.crlf = crlfAutoInput
		case c.crlf == crlfAuto && isCRLF:
			c.crlf = crlfAutoCRLF
		case isLF:
			c.crlf = crlfTextInput
		case isCRLF:
			c.crlf = crlfTextCRLF
		}
	}
	switch {
	case c.crlf == crlfText:
		if cfg.textEOLIsCRLF() {
			c.crlf = crlfTextCRLF
		} else {
			c.crlf = crlfTextInput
		}
	case c.crlf == crlfUndefined && cfg.AutoCRLF == "true":
		c.crlf = crlfAutoCRLF
	case c.crlf == crlfUndefined && cfg.AutoCRLF == "input":
		c.crlf = crlfAutoInput
	case c.crlf == crlfUndefined:
		c.crlf = crlfBinary
	}
	return c
}

func crlfFromAttr(v attr.Value) crlfAction {
	switch {
	case v.IsSet():
		return crlfText
	case v.IsUnset():
		return crlfBinary
	case v.State == attr.Valued && v.Text == "input":
		return crlfTextInput
	case v.State == attr.Valued && v.Text == "auto":
		return crlfAuto
	}
	return crlfUndefined
}

// textEOLIsCRLF is git's text_eol_is_crlf: autocrlf wins over core.eol,
// and "native" is LF except on Windows.
func (cfg *Config) textEOLIsCRLF() bool {
	switch cfg.AutoCRLF {
	case "true":
		return true
	case "input":
		return false
	}
	return cfg.EOL == "crlf" || ((cfg.EOL == "" || cfg.EOL == "native") && nativeCRLF)
}

// outputCRLF says whether checkout writes CRLF line endings.
func (c Conversion) outputCRLF() bool {
	switch c.crlf {
	case crlfTextCRLF, crlfAutoCRLF:
		return true
	case crlfText, crlfAuto:
		return c.cfg.textEOLIsCRLF()
	}
	return false
}

// Identity reports that content passes unchanged both ways, so callers
// may stream it.
func (c Conversion) Identity() bool {
	return c.filterName == "" && !c.ident && c.crlf == crlfBinary && c.encoding == ""
}

// Sequential reports that files must be converted one after another in
// path order: a process filter's answers (abort) depend on what it was
// asked before, as in git which converts in index order.
func (c Conversion) Sequential() bool {
	return c.filter != nil && c.filter.Process != ""
}

// HasFilter reports a clean/smudge filter or filter process, which
// should run once per file (git-lfs stores content as it cleans).
func (c Conversion) HasFilter() bool { return c.filter != nil }

// textStat is git's text_stat.
type textStat struct {
	nul, lonecr, lonelf, crlf, printable, nonprintable int
}

func gatherStats(b []byte) textStat {
	var s textStat
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '\r':
			if i+1 < len(b) && b[i+1] == '\n' {
				s.crlf++
				i++
			} else {
				s.lonecr++
			}
		case c == '\n':
			s.lonelf++
		case c == 127:
			s.nonprintable++
		case c < 32:
			switch c {
			case '\b', '\t', '\033', '\014':
				s.printable++
			case 0:
				s.nul++
				s.nonprintable++
			default:
				s.nonprintable++
			}
		default:
			s.printable++
		}
	}
	if len(b) > 0 && b[len(b)-1] == '\032' {
		s.nonprintable-- // a trailing ^Z (DOS end of file) is not binary
	}
	return s
}

func (s textStat) isBinary() bool {
	return s.lonecr > 0 || s.nul > 0 || (s.printable>>7) < s.nonprintable
}

func (c Conversion) auto() bool {
	return c.crlf == crlfAuto || c.crlf == crlfAutoInput || c.crlf == crlfAutoCRLF
}

// ToGit converts work tree content for the repository. indexHasCR reports
// whether the blob the index holds for the path has a CR in it (git then
// leaves line endings alone under text=auto, so that a file committed with
// CRLF does not show as changed); it may be nil.
func (c Conversion) ToGit(path string, data []byte, indexHasCR func() bool) ([]byte, error) {
	return c.ToGitFlags(path, data, indexHasCR, GitFlags{})
}

// GitFlags say why content is converted for the repository, as git's
// conv_flags.
type GitFlags struct {
	// Write: the content is being stored (add, commit -a), where
	// core.safecrlf applies and encoding errors stop the command.
	Write bool
	// Renormalize: add --renormalize, where CRs in the index's blob do
	// not keep text=auto from converting.
	Renormalize bool
	// Owned: data is the caller's scratch buffer, which line-ending
	// conversion may rewrite in place rather than copy (the result then
	// shares its memory).
	Owned bool
}

// ToGitFlags is ToGit with git's conversion flags.
func (c Conversion) ToGitFlags(path string, data []byte, indexHasCR func() bool, f GitFlags) ([]byte, error) {
	if c.filter != nil {
		out, ok, _ := c.applyFilter("clean", path, data, nil, false)
		switch {
		case ok:
			data = out
		case c.filter.Required:
			return nil, convError("%s: clean filter '%s' failed", path, c.filterName)
		}
	}
	if c.encoding != "" {
		out, err := encodeToGit(path, c.encoding, data)
		switch {
		case err == nil:
			data = out
		case f.Write:
			return nil, err
		default:
			c.cfg.warn("error: " + err.Error())
		}
	}
	if f.Renormalize {
		indexHasCR = nil
	}
	data, err := c.crlfToGit(path, data, indexHasCR, f.Write, f.Owned)
	if err != nil {
		return nil, err
	}
	if c.ident {
		data = identToGit(data)
	}
	return data, nil
}

func (cfg *Config) warn(msg string) {
	if cfg.Warn != nil {
		cfg.Warn(msg)
	}
}

// applyFilter runs the driver's command for kind, as git's apply_filter:
// a clean or smudge command when there is no process, else the process.
// ok is false when nothing filtered the content.
func (c Conversion) applyFilter(kind, path string, data []byte, meta *Meta, canDelay bool) (out []byte, ok, delayed bool) {
	cmd := c.filter.Clean
	if kind == "smudge" {
		cmd = c.filter.Smudge
	}
	if c.filter.Process == "" && cmd != "" {
		out, err := c.run(cmd, path, data)
		if err != nil {
			// git's two messages: the command's status, then the failure.
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				c.cfg.warn(fmt.Sprintf("error: external filter '%s' failed %d", cmd, ee.ExitCode()))
			}
			c.cfg.warn(fmt.Sprintf("error: external filter '%s' failed", cmd))
		}
		return out, err == nil, false
	}
	if c.filter.Process == "" {
		return nil, false, false
	}
	out, ok, delayed = runProcess(c.filter.Process, c.cfg.Dir, kind, path, data, meta, canDelay)
	if delayed {
		c.cfg.Delay.add(c.filter.Process, path)
	}
	return out, ok, delayed
}

func (c Conversion) crlfToGit(path string, data []byte, indexHasCR func() bool, write, owned bool) ([]byte, error) {
	if c.crlf == crlfBinary || len(data) == 0 {
		return data, nil
	}
	s := gatherStats(data)
	convert := s.crlf > 0
	if c.auto() {
		if s.isBinary() {
			return data, nil
		}
		if convert && indexHasCR != nil && indexHasCR() {
			convert = false
		}
	}
	if write && c.cfg.SafeCRLF != "false" {
		if err := c.checkSafeCRLF(path, s, convert); err != nil {
			return nil, err
		}
	}
	if !convert {
		return data, nil
	}
	if !owned {
		data = bytes.Clone(data)
	}
	// A guessed text file has no lone CR: text=auto drops every CR.
	return dropCR(data, c.auto()), nil
}

// dropCR removes, in data's own memory, the CRs that precede an LF (all
// CRs with every set).
func dropCR(data []byte, every bool) []byte {
	out := data[:0]
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\r')
		if i < 0 {
			return append(out, data...)
		}
		out = append(out, data[:i]...)
		if !every && (i+1 == len(data) || data[i+1] != '\n') {
			out = append(out, '\r')
		}
		data = data[i+1:]
	}
	return out
}

// checkSafeCRLF is git's check_global_conv_flags_eol: it simulates add
// and then checkout, and warns or refuses when the line endings would not
// come back as they are.
func (c Conversion) checkSafeCRLF(path string, old textStat, convert bool) error {
	n := old
	if convert {
		n.lonelf += n.crlf
		n.crlf = 0
	}
	if c.willConvertLFToCRLF(n) {
		n.crlf += n.lonelf
		n.lonelf = 0
	}
	refuse := c.cfg.SafeCRLF == "true"
	switch {
	case old.crlf > 0 && n.crlf == 0:
		if refuse {
			return convError("CRLF would be replaced by LF in %s", path)
		}
		c.cfg.warn(fmt.Sprintf("warning: in the working copy of '%s', CRLF will be replaced by LF the next time Git touches it", path))
	case old.lonelf > 0 && n.lonelf == 0:
		if refuse {
			return convError("LF would be replaced by CRLF in %s", path)
		}
		c.cfg.warn(fmt.Sprintf("warning: in the working copy of '%s', LF will be replaced by CRLF the next time Git touches it", path))
	}
	return nil
}

// willConvertLFToCRLF is git's will_convert_lf_to_crlf.
func (c Conversion) willConvertLFToCRLF(s textStat) bool {
	if !c.outputCRLF() || s.lonelf == 0 {
		return false
	}
	if c.auto() && (s.lonecr > 0 || s.crlf > 0 || s.isBinary()) {
		return false
	}
	return true
}

// ToWorkTree converts repository content of blob id for the work tree.
func (c Conversion) ToWorkTree(path string, data []byte, id string) ([]byte, error) {
	out, _, err := c.ToWorkTreeMeta(path, data, id, nil)
	return out, err
}

// ToWorkTreeMeta is ToWorkTree telling a process filter where the
// content comes from. When the configuration has a Delay, a process
// filter may delay the file: delayed is then true and nothing is to be
// written now (DelayedCheckout.Finish hands the content over later).
func (c Conversion) ToWorkTreeMeta(path string, data []byte, id string, meta *Meta) (out []byte, delayed bool, err error) {
	if c.ident {
		data = identToWorkTree(data, id)
	}
	data = c.crlfToWorkTree(data)
	if c.encoding != "" {
		out, err := encodeToWorkTree(path, c.encoding, data)
		if err != nil {
			c.cfg.warn("error: " + err.Error())
		} else {
			data = out
		}
	}
	if c.filter != nil {
		out, ok, delayed := c.applyFilter("smudge", path, data, meta, c.cfg.Delay != nil)
		switch {
		case delayed:
			return nil, true, nil
		case ok:
			data = out
		case c.filter.Required:
			return nil, false, convError("%s: smudge filter %s failed", path, c.filterName)
		}
	}
	return data, false, nil
}

func (c Conversion) crlfToWorkTree(data []byte) []byte {
	if !c.outputCRLF() {
		return data
	}
	s := gatherStats(data)
	if s.lonelf == 0 {
		return data
	}
	if c.auto() && (s.lonecr > 0 || s.crlf > 0 || s.isBinary()) {
		return data
	}
	out := make([]byte, 0, len(data)+s.lonelf)
	for i, b := range data {
		if b == '\n' && (i == 0 || data[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, b)
	}
	return out
}

// run is a filter command through the shell, %f replaced by the quoted
// path, content on standard input, the result on standard output.
func (c Conversion) run(command, path string, data []byte) ([]byte, error) {
	command = strings.ReplaceAll(command, "%f", shellQuote(path))
	cmd := exec.Command("sh", "-c", command)
	cmd.Dir = c.cfg.Dir
	cmd.Stdin = bytes.NewReader(data)
	cmd.Stderr = os.Stderr
	return cmd.Output()
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// identToGit collapses "$Id: ... $" back to "$Id$".
func identToGit(data []byte) []byte {
	if !bytes.Contains(data, []byte("$Id")) {
		return data
	}
	var out []byte
	for {
		i := bytes.Index(data, []byte("$Id"))
		if i < 0 {
			break
		}
		out = append(out, data[:i+3]...)
		data = data[i+3:]
		if len(data) > 0 && data[0] == ':' {
			end := bytes.IndexByte(data[1:], '$')
			nl := bytes.IndexByte(data[1:], '\n')
			if end >= 0 && (nl < 0 || end < nl) {
				data = data[1+end:]
			}
		}
	}
	return append(out, data...)
}

// identToWorkTree expands "$Id$" (and a stale "$Id: ... $") to the blob id.
func identToWorkTree(data []byte, id string) []byte {
	if !bytes.Contains(data, []byte("$Id")) {
		return data
	}
	clean := identToGit(data)
	return bytes.ReplaceAll(clean, []byte("$Id$"), []byte("$Id: "+id+" $"))
}

// BlobID is the id git gives content as a blob, for ident.
func BlobID(data []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(data))
	h.Write(data)
	return fmt.Sprintf("%x", h.Sum(nil))
}
