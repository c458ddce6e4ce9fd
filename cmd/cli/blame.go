package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"easel.dev/easel/merge/linediff"
	"easel.dev/easel/repo"
	"easel.dev/easel/repo/blame"
	"easel.dev/easel/repo/gitobj"
	"easel.dev/easel/repo/patch"
	"easel.dev/easel/repo/pretty"
	"easel.dev/easel/repo/userdiff"
)

func init() {
	register(newBlameCmd)
	register(newAnnotateCmd)
}

type blameOptions struct {
	Ranges        []string
	Long          bool
	NoAuthor      bool
	Email         bool
	RawTime       bool
	ShowName      bool
	ShowNumber    bool
	Porcelain     bool
	LinePorcelain bool
	Compat        bool
	Root          bool
	BlankBoundary bool
	Reverse       bool
	FirstParent   bool
	Date          string
	Abbrev        string
	Contents      string
	SpaceAll      bool
	Minimal       bool
	Since         string
	Move          string
	Copy          []string
	Annotate      bool
	NoEmail       bool
	NoAbbrev      bool
	Progress      bool
	NoProgress    bool
	Incremental   bool
}

func addBlameFlags(cmd *cobra.Command, o *blameOptions) {
	f := cmd.Flags()
	f.StringArrayVarP(&o.Ranges, "L", "L", nil, "blame only the lines `<range>` (n,m, /regex/, :funcname; repeatable)")
	f.BoolVarP(&o.Long, "long", "l", false, "show the full object id")
	f.BoolVarP(&o.NoAuthor, "suppress", "s", false, "leave out the author and date")
	f.BoolVarP(&o.Email, "show-email", "e", false, "show the author's email instead of the name")
	f.BoolVarP(&o.RawTime, "timestamp", "t", false, "show the raw timestamp")
	f.BoolVarP(&o.ShowName, "show-name", "f", false, "show the file name of the origin")
	f.BoolVarP(&o.ShowNumber, "show-number", "n", false, "show the line number in the origin")
	f.BoolVarP(&o.Porcelain, "porcelain", "p", false, "output for machines")
	f.BoolVar(&o.LinePorcelain, "line-porcelain", false, "porcelain with the commit details on every line")
	f.BoolVarP(&o.Compat, "c", "c", false, "the output of git annotate")
	f.BoolVar(&o.Root, "root", false, "do not treat root commits as boundaries")
	f.BoolVarP(&o.BlankBoundary, "b", "b", false, "blank object ids for boundary commits")
	f.BoolVar(&o.Reverse, "reverse", false, "walk history forward")
	f.BoolVar(&o.FirstParent, "first-parent", false, "follow only the first parent of merges")
	f.StringVar(&o.Date, "date", "", "date `<format>`")
	f.StringVar(&o.Abbrev, "abbrev", "", "hex digits of the ids")
	f.Lookup("abbrev").NoOptDefVal = "-1"
	f.StringVar(&o.Contents, "contents", "", "blame the contents of `<file>` as the final version")
	f.BoolVarP(&o.SpaceAll, "w", "w", false, "ignore whitespace differences")
	f.BoolVar(&o.Minimal, "minimal", false, "spend extra cycles to find a better match")
	f.StringVar(&o.Since, "since", "", "do not look at commits older than `<date>`")
	f.StringVarP(&o.Move, "M", "M", "", "find lines moved within the file")
	f.Lookup("M").NoOptDefVal = "20"
	f.StringArrayVarP(&o.Copy, "C", "C", nil, "find lines copied from other files")
	f.Lookup("C").NoOptDefVal = "40"
	f.BoolVar(&o.NoEmail, "no-show-email", false, "show the author's name")
	f.BoolVar(&o.NoAbbrev, "no-abbrev", false, "show the full object id")
	f.BoolVar(&o.Progress, "progress", false, "report progress on standard error")
	f.BoolVar(&o.NoProgress, "no-progress", false, "do not report progress")
	f.BoolVar(&o.Incremental, "incremental", false, "show the blame entries as they are found, for programs")
	f.SetInterspersed(true)
}

func newBlameCmd(env *Env) *cobra.Command {
	var o blameOptions
	cmd := &cobra.Command{
		Use:   "blame [options] [<rev>] [--] <file>",
		Short: "Show what revision and author last modified each line of a file",
		Long: `Blame prints each line of a file with the commit that last changed it, as
git blame does: the abbreviated id (^ marks a boundary commit), the author,
the date and the line number. Without a revision the work tree's version is
blamed, its changed lines shown as "Not Committed Yet". -L limits the lines;
--porcelain and --line-porcelain print for programs.`,
		Example: `  easel blame README.md
  easel blame -L 10,20 -e HEAD~3 -- main.go
  easel blame --porcelain v1.0 -- Makefile`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBlame(cmd, env, o, args, cmd.ArgsLenAtDash())
		},
	}
	addBlameFlags(cmd, &o)
	return cmd
}

func newAnnotateCmd(env *Env) *cobra.Command {
	var o blameOptions
	cmd := &cobra.Command{
		Use:   "annotate [options] [<rev>] [--] <file>",
		Short: "Annotate file lines with commit information",
		Long:  `Annotate is blame with the output of git annotate (blame -c).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Compat, o.Annotate = true, true
			return runBlame(cmd, env, o, args, cmd.ArgsLenAtDash())
		},
	}
	addBlameFlags(cmd, &o)
	return cmd
}

// blameDateWidths are the widths git pads each date mode to.
var blameDateWidths = map[string]int{
	"rfc": len("Thu, 19 Oct 2006 16:00:04 -0700"), "iso-strict": len("2006-10-19T16:00:04-07:00"),
	"iso": len("2006-10-19 16:00:04 -0700"), "raw": len("1161298804 -0700"), "unix": len("1161298804"),
	"short": len("2006-10-19"), "relative": len("4 years, 11 months ago"), "human": len("Thu Oct 19 16:00"),
	"default": len("Thu Oct 19 16:00:04 2006 -0700"),
}

func runBlame(cmd *cobra.Command, env *Env, o blameOptions, args []string, dash int) error {
	ctx := cmd.Context()
	r, err := env.OpenRepo(ctx)
	if err != nil {
		return err
	}
	if o.Progress && !o.NoProgress && (o.Porcelain || o.LinePorcelain || o.Incremental) {
		return fmt.Errorf("--progress can't be used with --incremental or porcelain formats")
	}
	if o.Reverse {
		return fmt.Errorf("blame --reverse is not supported")
	}
	// Arguments: [<rev>...] [--] <file>, or git's older <file> <rev>.
	var revs []string
	var file string
	switch {
	case dash >= 0:
		if len(args)-dash != 1 {
			return &UsageError{Msg: "usage: easel blame [<options>] [<rev-opts>] [<rev>] [--] <file>"}
		}
		revs, file = args[:dash], args[dash]
	case len(args) == 1:
		file = args[0]
	case len(args) == 2:
		revs, file = args[:1], args[1]
		if _, err := os.Lstat(filepath.Join(env.Dir, args[0])); err == nil {
			if _, err := os.Lstat(filepath.Join(env.Dir, args[1])); err != nil {
				revs, file = args[1:], args[0]
			}
		}
	default:
		return &UsageError{Msg: "usage: easel blame [<options>] [<rev-opts>] [<rev>] [--] <file>"}
	}
	path := file
	if r.WorkDir != "" {
		if path, err = toRepoPath(r, env, file); err != nil {
			return err
		}
	}
	bo := blame.Options{Path: path, FirstParent: o.FirstParent, Minimal: o.Minimal, MoveScore: 20}
	if n := len(o.Copy); n > 0 {
		bo.Copy, bo.Move, bo.CopyScore = min(n, 3), true, 40
		for _, v := range o.Copy {
			if k, err := strconv.Atoi(v); err == nil && k > 0 && v != "40" {
				bo.CopyScore = k
			}
		}
	}
	if cmd.Flags().Changed("M") {
		bo.Move = true
		if n, err := strconv.Atoi(o.Move); err == nil && n > 0 {
			bo.MoveScore = n
		}
	}
	bo.ShowRoot = r.ConfigBool("blame.showRoot", false) || o.Root
	blankBoundary := r.ConfigBool("blame.blankBoundary", false) || o.BlankBoundary
	showEmail := r.ConfigBool("blame.showEmail", false)
	if fl := cmd.Flags(); fl.Changed("show-email") || fl.Changed("no-show-email") {
		showEmail = o.Email && !o.NoEmail
	}
	if o.SpaceAll {
		bo.Space = linediff.IgnoreAllSpace
	}
	dateMode := "iso"
	if v, ok, _ := r.ConfigGet("blame.date"); ok {
		if dateMode, err = pretty.CheckDateMode(v); err != nil {
			return err
		}
	}
	if o.Date != "" {
		if dateMode, err = pretty.CheckDateMode(o.Date); err != nil {
			return err
		}
	}
	if o.Annotate {
		dateMode = "iso"
	}
	if o.Since != "" {
		t, err := repo.ParseApproxDate(o.Since, time.Now())
		if err != nil {
			return err
		}
		bo.Since = t.Unix()
	}
	for _, rev := range revs {
		arg := rev
		bad := func(error) error { return fmt.Errorf("bad revision '%s'", arg) }
		if a, b, ok := strings.Cut(rev, ".."); ok && !strings.Contains(rev, "...") {
			if a == "" {
				a = "HEAD"
			}
			if b == "" {
				b = "HEAD"
			}
			ha, err := r.ResolveCommit(ctx, a)
			if err != nil {
				return bad(err)
			}
			bo.Exclude = append(bo.Exclude, ha)
			rev = b
		}
		if strings.HasPrefix(rev, "^") {
			h, err := r.ResolveCommit(ctx, rev[1:])
			if err != nil {
				return bad(err)
			}
			bo.Exclude = append(bo.Exclude, h)
			continue
		}
		if !bo.Final.IsZero() {
			return fmt.Errorf("more than one commit to dig from %s and %s?", bo.Final, rev)
		}
		h, err := r.ResolveCommit(ctx, rev)
		if err != nil {
			return bad(err)
		}
		bo.Final = h
	}
	if bo.Final.IsZero() && len(bo.Exclude) > 0 {
		h, err := r.Head()
		if err != nil {
			return err
		}
		bo.Final = h
	}
	if o.Contents != "" && !bo.Final.IsZero() {
		return fmt.Errorf("cannot use --contents with final commit object name")
	}
	if o.Contents != "" {
		var data []byte
		if o.Contents == "-" {
			data, err = io.ReadAll(env.IO.In)
		} else {
			name := o.Contents
			if !filepath.IsAbs(name) {
				name = filepath.Join(env.Dir, name)
			}
			data, err = os.ReadFile(name)
		}
		if err != nil {
			return fmt.Errorf("cannot open or read '%s': %v", o.Contents, err)
		}
		bo.Contents, bo.HasContents, bo.ContentsName = data, true, o.Contents
	}
	if bo.Final.IsZero() && r.WorkDir == "" {
		h, err := r.Head()
		if err != nil {
			return err
		}
		bo.Final = h
	}
	sb, err := blame.New(ctx, r, bo)
	if err != nil {
		if strings.HasPrefix(err.Error(), "no such path") && !bo.Final.IsZero() {
			return fmt.Errorf("no such path %s in %s", path, revs[len(revs)-1])
		}
		return err
	}
	ranges, err := blameRanges(r, sb, o.Ranges)
	if err != nil {
		return err
	}
	p := &blamePrinter{sb: sb, mailmap: r.LoadMailmap(ctx), infos: map[*blame.Commit]*blameInfo{},
		dateMode: dateMode, now: time.Now(), raw: o.RawTime, blank: blankBoundary, email: showEmail,
		long: o.Long, noAuthor: o.NoAuthor, showName: o.ShowName, showNumber: o.ShowNumber,
		compat: o.Compat, shown: map[*blame.Commit]bool{}}
	w := bufio.NewWriter(env.IO.Out)
	defer w.Flush()
	if o.Incremental {
		sb.SetFound(func(e *blame.Entry) {
			fmt.Fprintf(w, "%s %d %d %d\n", e.Suspect.Commit.ID, e.SLno+1, e.Lno+1, e.N)
			p.details(w, e.Suspect, false, true)
		})
	}
	start := time.Now()
	if err := sb.Run(ranges); err != nil {
		return err
	}
	if o.Incremental {
		return w.Flush()
	}
	if o.Progress && !o.NoProgress {
		delay := 2 * time.Second
		if v, err := strconv.Atoi(os.Getenv("GIT_PROGRESS_DELAY")); err == nil {
			delay = time.Duration(v) * time.Second
		}
		if time.Since(start) >= delay {
			n := 0
			for _, rg := range ranges {
				n += rg[1] - rg[0]
			}
			fmt.Fprintf(env.IO.Err, "Blaming lines: 100%% (%d/%d), done.\n", n, n)
		}
	}
	p.dateWidth = blameDateWidths[dateMode]
	p.abbrev = -1
	if o.NoAbbrev {
		o.Abbrev = "0"
	}
	if o.Abbrev != "" {
		n, err := strconv.Atoi(o.Abbrev)
		if err != nil {
			return &UsageError{Msg: fmt.Sprintf("option `abbrev' expects a numerical value")}
		}
		switch {
		case n < 0:
		case n == 0:
			p.abbrev = 40
		default:
			n = min(max(n, 4), 40)
			if n < 40 {
				n++
			}
			p.abbrev = n
		}
	}
	if o.Porcelain || o.LinePorcelain {
		p.porcelain(w, o.LinePorcelain)
	} else {
		p.ab = r.NewAbbreviator()
		p.align()
		p.other(w)
	}
	return w.Flush()
}

// blameRanges reads the -L options against the final version: sorted,
// merged [start, end) line ranges (the whole file without -L).
func blameRanges(r *repo.Repository, sb *blame.Scoreboard, specs []string) ([][2]int, error) {
	lines := sb.NumLines()
	if len(specs) == 0 {
		if lines == 0 {
			return nil, nil
		}
		specs = []string{"1"}
	}
	var ranges [][2]int
	anchor := 1
	for _, spec := range specs {
		bottom, top, err := parseBlameRange(r, sb, spec, anchor)
		if err != nil {
			return nil, err
		}
		if (lines == 0 && (top != 0 || bottom != 0)) || lines < bottom {
			s := "s"
			if lines == 1 {
				s = ""
			}
			return nil, fmt.Errorf("file %s has only %d line%s", sb.Path(), lines, s)
		}
		if bottom < 1 {
			bottom = 1
		}
		if top < 1 || lines < top {
			top = lines
		}
		ranges = append(ranges, [2]int{bottom - 1, top})
		anchor = top + 1
	}
	// sort_and_merge_range_set
	for i := 1; i < len(ranges); i++ {
		for j := i; j > 0 && ranges[j][0] < ranges[j-1][0]; j-- {
			ranges[j], ranges[j-1] = ranges[j-1], ranges[j]
		}
	}
	var out [][2]int
	for _, rg := range ranges {
		if rg[0] == rg[1] {
			continue
		}
		if n := len(out); n > 0 && rg[0] <= out[n-1][1] {
			out[n-1][1] = max(out[n-1][1], rg[1])
			continue
		}
		out = append(out, rg)
	}
	return out, nil
}

func blameUsage() error {
	return &UsageError{Msg: "usage: easel blame [<options>] [<rev-opts>] [<rev>] [--] <file>"}
}

// parseBlameRange is git's parse_range_arg: 1-based begin and end, 0 when
// not given.
func parseBlameRange(r *repo.Repository, sb *blame.Scoreboard, arg string, anchor int) (int, int, error) {
	lines := sb.NumLines()
	if anchor < 1 {
		anchor = 1
	}
	if anchor > lines {
		anchor = lines + 1
	}
	if strings.HasPrefix(arg, ":") || strings.HasPrefix(arg, "^:") {
		return parseBlameFuncname(r, sb, arg, anchor)
	}
	begin, rest, err := parseBlameLoc(sb, arg, -anchor)
	if err != nil {
		return 0, 0, err
	}
	end := 0
	if strings.HasPrefix(rest, ",") {
		end, rest, err = parseBlameLoc(sb, rest[1:], begin+1)
		if err != nil {
			return 0, 0, err
		}
	}
	if rest != "" {
		return 0, 0, blameUsage()
	}
	if begin != 0 && end != 0 && end < begin {
		begin, end = end, begin
	}
	return begin, end, nil
}

func leadingInt(s string) (int, string, bool) {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == i {
		return 0, s, false
	}
	n, _ := strconv.Atoi(s[:j])
	return n, s[j:], true
}

func parseBlameLoc(sb *blame.Scoreboard, spec string, begin int) (int, string, error) {
	lines := sb.NumLines()
	if begin >= 1 && (strings.HasPrefix(spec, "+") || strings.HasPrefix(spec, "-")) {
		num, rest, ok := leadingInt(spec[1:])
		if ok && !strings.HasPrefix(spec[1:], "+") && !strings.HasPrefix(spec[1:], "-") {
			if num == 0 {
				return 0, "", fmt.Errorf("-L invalid empty range")
			}
			if spec[0] == '-' {
				num = -num
			}
			switch {
			case num > 0:
				return begin + num - 2, rest, nil
			case num == 0:
				return begin, rest, nil
			default:
				if begin+num > 0 {
					return begin + num, rest, nil
				}
				return 1, rest, nil
			}
		}
		return 0, spec, nil
	}
	if num, rest, ok := leadingInt(spec); ok {
		if num <= 0 {
			return 0, "", fmt.Errorf("-L invalid line number: %d", num)
		}
		return num, rest, nil
	}
	if begin < 0 {
		if spec == "" || spec[0] != '^' {
			begin = -begin
		} else {
			begin = 1
			spec = spec[1:]
		}
	}
	if !strings.HasPrefix(spec, "/") {
		return 0, spec, nil
	}
	term := 1
	for term < len(spec) && spec[term] != '/' {
		if spec[term] == '\\' {
			term++
		}
		term++
	}
	if term >= len(spec) {
		return 0, spec, nil
	}
	pattern := spec[1:term]
	begin-- // 0-based
	re, err := repo.CompileLogPattern(pattern, false, "")
	if err != nil {
		return 0, "", fmt.Errorf("-L parameter '%s' starting at line %d: %v", pattern, begin+1, err)
	}
	if begin > lines {
		begin = lines
	}
	text := sb.Final[sb.Lines[begin]:]
	loc := re.FindIndex(text)
	if loc == nil {
		return 0, "", fmt.Errorf("-L parameter '%s' starting at line %d: No match", pattern, begin+1)
	}
	cp := sb.Lines[begin] + loc[0]
	for {
		more := begin < lines
		begin++
		if !more || cp < sb.Lines[begin] {
			break
		}
	}
	return begin, spec[term+1:], nil
}

func isFuncnameLine(m *userdiff.Matcher, line []byte) bool {
	if m != nil {
		_, ok := m.Match(string(line))
		return ok
	}
	if len(line) == 0 {
		return false
	}
	c := line[0]
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$'
}

func parseBlameFuncname(r *repo.Repository, sb *blame.Scoreboard, arg string, anchor int) (int, int, error) {
	lines := sb.NumLines()
	m, err := r.FuncnameMatcher(sb.Path())
	if err != nil {
		return 0, 0, err
	}
	if arg[0] == '^' {
		anchor = 1
		arg = arg[1:]
	}
	term := 1
	for term < len(arg) && arg[term] != ':' {
		if arg[term] == '\\' && term+1 < len(arg) {
			term++
		}
		term++
	}
	if term == 1 || term < len(arg) {
		return 0, 0, blameUsage()
	}
	pattern := arg[1:term]
	anchor--
	re, err := repo.CompileLogPattern(pattern, false, "")
	if err != nil {
		return 0, 0, fmt.Errorf("-L parameter '%s': %v", pattern, err)
	}
	start := sb.Lines[min(anchor, lines)]
	found := -1
	for pos := start; pos <= len(sb.Final); {
		loc := re.FindIndex(sb.Final[pos:])
		if loc == nil {
			break
		}
		bol, eol := pos+loc[0], pos+loc[1]
		for bol > pos && sb.Final[bol] != '\n' {
			bol--
		}
		if bol < len(sb.Final) && sb.Final[bol] == '\n' {
			bol++
		}
		for eol < len(sb.Final) && sb.Final[eol] != '\n' {
			eol++
		}
		if eol < len(sb.Final) {
			eol++
		}
		if isFuncnameLine(m, sb.Final[bol:eol]) {
			found = bol
			break
		}
		if eol == pos {
			break
		}
		pos = eol
	}
	if found < 0 {
		return 0, 0, fmt.Errorf("-L parameter '%s' starting at line %d: no match", pattern, anchor+1)
	}
	begin := 0
	for found > sb.Lines[begin] {
		begin++
	}
	if begin >= lines {
		return 0, 0, fmt.Errorf("-L parameter '%s' matches at EOF", pattern)
	}
	end := begin + 1
	for end < lines && !isFuncnameLine(m, sb.Final[sb.Lines[end]:sb.Lines[end+1]]) {
		end++
	}
	return begin + 1, end, nil
}

type blameInfo struct {
	author, authorMail, authorTZ       string
	authorTime                         int64
	committer, committerMail, commitTZ string
	committerTime                      int64
	summary                            string
	when                               time.Time
}

type blamePrinter struct {
	sb                                *blame.Scoreboard
	mailmap                           *repo.Mailmap
	infos                             map[*blame.Commit]*blameInfo
	shown                             map[*blame.Commit]bool
	ab                                *repo.Abbreviator
	dateMode                          string
	dateWidth                         int
	now                               time.Time
	raw, blank, email, long, noAuthor bool
	showName, showNumber, compat      bool
	abbrev                            int
	longestFile, longestAuthor        int
	maxOrigDigits, maxDigits          int
}

func tzString(t time.Time) string { return t.Format("-0700") }

func (p *blamePrinter) info(c *blame.Commit) *blameInfo {
	if in, ok := p.infos[c]; ok {
		return in
	}
	obj := c.Object
	an, ae := p.mailmap.Map(obj.Author.Name, obj.Author.Email)
	cn, ce := p.mailmap.Map(obj.Committer.Name, obj.Committer.Email)
	in := &blameInfo{author: an, authorMail: "<" + ae + ">", authorTime: obj.Author.When.Unix(),
		authorTZ: tzString(obj.Author.When), committer: cn, committerMail: "<" + ce + ">",
		committerTime: obj.Committer.When.Unix(), commitTZ: tzString(obj.Committer.When), when: obj.Author.When}
	in.summary = commitSummary(obj)
	if in.summary == "" {
		in.summary = "(" + c.ID.String() + ")"
	}
	p.infos[c] = in
	return in
}

// commitSummary is git's find_commit_subject: the first line of the
// message after any blank lines.
func commitSummary(c *gitobj.Commit) string {
	msg := c.Message
	for strings.HasPrefix(msg, "\n") {
		msg = msg[1:]
	}
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return msg
}

func (p *blamePrinter) porcelain(w *bufio.Writer, repeat bool) {
	sb := p.sb
	for _, e := range sb.Entries {
		hex := e.Suspect.Commit.ID.String()
		fmt.Fprintf(w, "%s %d %d %d\n", hex, e.SLno+1, e.Lno+1, e.N)
		p.details(w, e.Suspect, repeat, false)
		for i := 0; i < e.N; i++ {
			if i > 0 {
				fmt.Fprintf(w, "%s %d %d\n", hex, e.SLno+1+i, e.Lno+1+i)
				if repeat {
					p.details(w, e.Suspect, true, false)
				}
			}
			w.WriteByte('\t')
			w.Write(sb.Final[sb.Lines[e.Lno+i]:sb.Lines[e.Lno+i+1]])
		}
	}
	if len(sb.Final) > 0 && sb.Final[len(sb.Final)-1] != '\n' && len(sb.Entries) > 0 {
		last := sb.Entries[len(sb.Entries)-1]
		if last.Lno+last.N == sb.NumLines() {
			w.WriteByte('\n')
		}
	}
}

func (p *blamePrinter) details(w *bufio.Writer, o *blame.Origin, repeat, always bool) {
	c := o.Commit
	detail := repeat || !p.shown[c]
	if detail {
		p.shown[c] = true
		in := p.info(c)
		fmt.Fprintf(w, "author %s\nauthor-mail %s\nauthor-time %d\nauthor-tz %s\n", in.author, in.authorMail, in.authorTime, in.authorTZ)
		fmt.Fprintf(w, "committer %s\ncommitter-mail %s\ncommitter-time %d\ncommitter-tz %s\n", in.committer, in.committerMail, in.committerTime, in.commitTZ)
		fmt.Fprintf(w, "summary %s\n", in.summary)
		if c.Boundary {
			w.WriteString("boundary\n")
		}
	}
	if detail || always || c.MoreThanOnePath {
		if prev := o.Previous; prev != nil {
			fmt.Fprintf(w, "previous %s %s\n", prev.Commit.ID, patch.QuotePath(prev.Path))
		}
		fmt.Fprintf(w, "filename %s\n", patch.QuotePath(o.Path))
	}
}

func decimalWidth(n int) int {
	w := 1
	for n >= 10 {
		n /= 10
		w++
	}
	return w
}

// align is git's find_alignment: the widths of the columns.
func (p *blamePrinter) align() {
	longestSrc, longestDst := 0, 0
	autoAbbrev := 0
	seen := map[*blame.Commit]bool{}
	for _, e := range p.sb.Entries {
		o := e.Suspect
		if p.abbrev < 0 {
			autoAbbrev = max(autoAbbrev, len(p.ab.ShortID(o.Commit.ID)))
		}
		if o.Path != p.sb.Path() {
			p.showName = true
		}
		p.longestFile = max(p.longestFile, len(o.Path))
		if !seen[o.Commit] {
			seen[o.Commit] = true
			in := p.info(o.Commit)
			name := in.author
			if p.email {
				name = in.authorMail
			}
			p.longestAuthor = max(p.longestAuthor, pretty.DisplayWidth(name))
		}
		longestSrc = max(longestSrc, e.SLno+e.N)
		longestDst = max(longestDst, e.Lno+e.N)
	}
	p.maxOrigDigits = decimalWidth(longestSrc)
	p.maxDigits = decimalWidth(longestDst)
	if p.abbrev < 0 {
		p.abbrev = autoAbbrev + 1
	}
}

func (p *blamePrinter) formatTime(in *blameInfo) string {
	if p.raw {
		return strconv.FormatInt(in.authorTime, 10) + " " + in.authorTZ
	}
	s := pretty.FormatDate(in.when, p.dateMode, p.now)
	if n := pretty.DisplayWidth(s); n < p.dateWidth {
		s += strings.Repeat(" ", p.dateWidth-n)
	}
	return s
}

func (p *blamePrinter) other(w *bufio.Writer) {
	sb := p.sb
	for _, e := range sb.Entries {
		o := e.Suspect
		c := o.Commit
		in := p.info(c)
		for i := 0; i < e.N; i++ {
			hex := c.ID.String()
			length := p.abbrev
			if p.long {
				length = 40
			}
			if c.Boundary {
				if p.blank {
					hex = strings.Repeat(" ", 40)
				} else if !p.compat {
					length--
					w.WriteByte('^')
				}
			}
			w.WriteString(hex[:min(length, 40)])
			if p.compat {
				name := in.author
				if p.email {
					name = in.authorMail
				}
				fmt.Fprintf(w, "\t(%10s\t%10s\t%d)", name, p.formatTime(in), e.Lno+1+i)
			} else {
				if p.showName {
					fmt.Fprintf(w, " %-*.*s", p.longestFile, p.longestFile, o.Path)
				}
				if p.showNumber {
					fmt.Fprintf(w, " %*d", p.maxOrigDigits, e.SLno+1+i)
				}
				if !p.noAuthor {
					name := in.author
					if p.email {
						name = in.authorMail
					}
					pad := p.longestAuthor - pretty.DisplayWidth(name)
					fmt.Fprintf(w, " (%s%*s %10s", name, pad, "", p.formatTime(in))
				}
				fmt.Fprintf(w, " %*d) ", p.maxDigits, e.Lno+1+i)
			}
			w.Write(sb.Final[sb.Lines[e.Lno+i]:sb.Lines[e.Lno+i+1]])
		}
	}
	if len(sb.Final) > 0 && sb.Final[len(sb.Final)-1] != '\n' && len(sb.Entries) > 0 {
		last := sb.Entries[len(sb.Entries)-1]
		if last.Lno+last.N == sb.NumLines() {
			w.WriteByte('\n')
		}
	}
}
