package repo

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// SqQuote quotes each argument as git's sq_quote_argv, each after a space.
func SqQuote(args []string) string {
	var sb strings.Builder
	for _, a := range args {
		sb.WriteString(" '")
		for _, r := range a {
			switch r {
			case '\'':
				sb.WriteString("'\\''")
			case '!':
				sb.WriteString("'\\!'")
			default:
				sb.WriteRune(r)
			}
		}
		sb.WriteByte('\'')
	}
	return sb.String()
}

// SqDequote splits a line of arguments quoted as SqQuote quotes them.
func SqDequote(s string) ([]string, bool) {
	var out []string
	i := 0
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
			i++
		}
		if i >= len(s) {
			return out, true
		}
		if s[i] != '\'' {
			return nil, false
		}
		i++
		var sb strings.Builder
		for {
			if i >= len(s) {
				return nil, false
			}
			c := s[i]
			i++
			if c != '\'' {
				sb.WriteByte(c)
				continue
			}
			// end of quoted part: an escaped ' or ! may follow
			if i+2 < len(s)+0 && s[i] == '\\' && (s[i+1] == '\'' || s[i+1] == '!') && s[i+2] == '\'' {
				sb.WriteByte(s[i+1])
				i += 3
				continue
			}
			break
		}
		out = append(out, sb.String())
		if i < len(s) && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' {
			return nil, false
		}
	}
}

// Start is git bisect start.
func (b *Bisect) Start(ctx context.Context, args []string) int {
	noCheckout := b.R.IsBare()
	firstParent := false
	dashdash := false
	for _, a := range args {
		if a == "--" {
			dashdash = true
			break
		}
	}
	mustWriteTerms := false
	var revs []string
	i := 0
	for ; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "--":
		case arg == "--no-checkout":
			noCheckout = true
			continue
		case arg == "--first-parent":
			firstParent = true
			continue
		case arg == "--term-good" || arg == "--term-old":
			i++
			if i >= len(args) {
				return b.errorf("'' is not a valid term")
			}
			mustWriteTerms, b.Good = true, args[i]
			continue
		case strings.HasPrefix(arg, "--term-good=") || strings.HasPrefix(arg, "--term-old="):
			_, v, _ := strings.Cut(arg, "=")
			mustWriteTerms, b.Good = true, v
			continue
		case arg == "--term-bad" || arg == "--term-new":
			i++
			if i >= len(args) {
				return b.errorf("'' is not a valid term")
			}
			mustWriteTerms, b.Bad = true, args[i]
			continue
		case strings.HasPrefix(arg, "--term-bad=") || strings.HasPrefix(arg, "--term-new="):
			_, v, _ := strings.Cut(arg, "=")
			mustWriteTerms, b.Bad = true, v
			continue
		case strings.HasPrefix(arg, "--"):
			return b.errorf("unrecognized option: '%s'", arg)
		default:
			if h, err := b.R.ResolveCommit(ctx, arg); err == nil {
				revs = append(revs, h.String())
				continue
			}
			if dashdash {
				fmt.Fprintf(b.Err, "fatal: '%s' does not appear to be a valid revision\n", arg)
				return -128
			}
		}
		break
	}
	pathPos := i
	if len(revs) > 0 {
		mustWriteTerms = true
	}

	headRef, headErr := b.R.HeadBranch()
	headID, idErr := b.R.Head()
	if headErr != nil || (headRef == "" && (idErr != nil || headID.IsZero())) {
		return b.errorf("bad HEAD - I need a HEAD")
	}
	var startHead string
	if !emptyOrMissing(b.path("BISECT_START")) {
		data, _ := os.ReadFile(b.path("BISECT_START"))
		startHead = strings.TrimSpace(string(data))
		if !noCheckout {
			if err := b.Checkout(startHead, false); err != nil {
				return b.finishStart(ctx, b.errorf("checking out '%s' failed. Try 'git bisect start <valid-branch>'.", startHead))
			}
		}
	} else {
		switch {
		case headRef == "":
			startHead = headID.String()
		case idErr == nil && !headID.IsZero() && strings.HasPrefix(string(headRef), "refs/heads/"):
			startHead = strings.TrimPrefix(string(headRef), "refs/heads/")
		default:
			return b.errorf("bad HEAD - strange symbolic ref")
		}
	}
	if b.CleanState(ctx) != 0 {
		return BisectFailed
	}
	res := func() int {
		if err := os.WriteFile(b.path("BISECT_START"), []byte(startHead+"\n"), 0o666); err != nil {
			return b.errorf("%v", err)
		}
		if firstParent {
			if err := os.WriteFile(b.path("BISECT_FIRST_PARENT"), []byte("\n"), 0o666); err != nil {
				return b.errorf("%v", err)
			}
		}
		if noCheckout {
			h, err := b.R.ResolveRevision(ctx, startHead)
			if err != nil {
				return b.errorf("invalid ref: '%s'", startHead)
			}
			if err := b.writePseudoRef("BISECT_HEAD", h); err != nil {
				return b.errorf("%v", err)
			}
		}
		names := ""
		if pathPos < len(args)-1 {
			names = SqQuote(args[pathPos:])
		}
		if err := os.WriteFile(b.path("BISECT_NAMES"), []byte(names+"\n"), 0o666); err != nil {
			return b.errorf("%v", err)
		}
		for j, rev := range revs {
			state := b.Good
			if j == 0 {
				state = b.Bad
			}
			if b.write(ctx, state, rev, true) != 0 {
				return BisectFailed
			}
		}
		if mustWriteTerms && b.writeTerms(b.Bad, b.Good) != 0 {
			return BisectFailed
		}
		if err := b.appendLog("git bisect start" + SqQuote(args) + "\n"); err != nil {
			return BisectFailed
		}
		return 0
	}()
	return b.finishStart(ctx, res)
}

func (b *Bisect) finishStart(ctx context.Context, res int) int {
	if res != 0 {
		return res
	}
	res = b.AutoNext(ctx)
	if res != BisectOK && res != BisectFound && res != BisectMergeBaseTest {
		b.CleanState(ctx)
	}
	return res
}

// State is git bisect <bad|good|skip> [rev...].
func (b *Bisect) State(ctx context.Context, args []string) int {
	if len(args) == 0 {
		return b.errorf("Please call `--bisect-state` with at least one argument")
	}
	if b.autostart() != 0 {
		return BisectFailed
	}
	state := args[0]
	if b.checkAndSetTerms(state) != 0 || !oneOf(state, b.Good, b.Bad, "skip") {
		return BisectFailed
	}
	args = args[1:]
	if len(args) > 1 && state == b.Bad {
		return b.errorf("'git bisect %s' can take only one argument.", b.Bad)
	}
	var revs []plumbing.Hash
	if len(args) == 0 {
		if h, ok := b.readPseudoRef("BISECT_HEAD"); ok {
			revs = append(revs, h)
		} else if h, err := b.R.Head(); err == nil {
			revs = append(revs, h)
		} else {
			b.errorf("Bad rev input: HEAD")
			revs = append(revs, plumbing.ZeroHash)
		}
	}
	for _, a := range args {
		h, err := b.R.ResolveRevision(ctx, a)
		if err != nil {
			b.errorf("Bad rev input: %s", a)
			return BisectFailed
		}
		c, err := b.R.ResolveCommit(ctx, h.String())
		if err != nil {
			fmt.Fprintf(b.Err, "fatal: Bad rev input (not a commit): %s\n", a)
			return -128
		}
		revs = append(revs, c)
	}
	expected, verify := b.readPseudoRef("BISECT_EXPECTED_REV")
	for _, h := range revs {
		if b.write(ctx, state, h.String(), false) != 0 {
			return BisectFailed
		}
		if verify && h != expected {
			os.Remove(b.path("BISECT_ANCESTORS_OK"))
			os.Remove(b.path("BISECT_EXPECTED_REV"))
			verify = false
		}
	}
	return b.AutoNext(ctx)
}

// Skip is git bisect skip: ranges ("a..b") stand for their commits.
func (b *Bisect) Skip(ctx context.Context, args []string) int {
	state := []string{"skip"}
	for _, a := range args {
		if !strings.Contains(a, "..") {
			state = append(state, a)
			continue
		}
		inc, exc, err := b.R.ResolveRange(ctx, []string{a})
		if err != nil {
			fmt.Fprintf(b.Err, "fatal: %v\n", err)
			return -128
		}
		w, err := b.R.Log(ctx, LogOptions{Include: inc, Exclude: exc})
		if err != nil {
			fmt.Fprintf(b.Err, "fatal: revision walk setup failed\n")
			return -128
		}
		for {
			c, err := w.Next(ctx)
			if err != nil {
				break
			}
			state = append(state, c.Hash.String())
		}
	}
	return b.State(ctx, state)
}

// Reset is git bisect reset [commit].
func (b *Bisect) Reset(ctx context.Context, commit string) int {
	if !fileExists(b.path("BISECT_START")) {
		fmt.Fprintf(b.Out, "We are not bisecting.\n")
		return 0
	}
	branch := commit
	if commit == "" {
		data, err := os.ReadFile(b.path("BISECT_START"))
		if err != nil || len(data) < 1 {
			fmt.Fprintf(b.Out, "We are not bisecting.\n")
			return 0
		}
		branch = strings.TrimRight(string(data), " \t\n\r")
	} else if _, err := b.R.ResolveCommit(ctx, commit); err != nil {
		return b.errorf("'%s' is not a valid commit", commit)
	}
	if !fileExists(b.path("BISECT_HEAD")) {
		if err := b.Checkout(branch, false); err != nil {
			return b.errorf("could not check out original HEAD '%s'. Try 'git bisect reset <commit>'.", branch)
		}
	}
	return b.CleanState(ctx)
}

// Log is git bisect log.
func (b *Bisect) Log() int {
	data, err := os.ReadFile(b.path("BISECT_LOG"))
	if err != nil {
		return b.errorf("We are not bisecting.")
	}
	b.Out.Write(data)
	return 0
}

// Terms is git bisect terms [--term-good|--term-bad].
func (b *Bisect) Terms(option string) int {
	if !b.ReadTerms() {
		return b.errorf("no terms defined")
	}
	switch option {
	case "":
		fmt.Fprintf(b.Out, "Your current terms are %s for the old state\nand %s for the new state.\n", b.Good, b.Bad)
	case "--term-good", "--term-old":
		fmt.Fprintf(b.Out, "%s\n", b.Good)
	case "--term-bad", "--term-new":
		fmt.Fprintf(b.Out, "%s\n", b.Bad)
	default:
		return b.errorf("invalid argument %s for 'git bisect terms'.\nSupported options are: --term-good|--term-old and --term-bad|--term-new.", option)
	}
	return 0
}

// Replay is git bisect replay <logfile>.
func (b *Bisect) Replay(ctx context.Context, file string) int {
	if emptyOrMissing(file) {
		return b.errorf("cannot read file '%s' for replaying", file)
	}
	if b.Reset(ctx, "") != 0 {
		return BisectFailed
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return b.errorf("cannot read file '%s' for replaying", file)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<24)
	res := 0
	for sc.Scan() && res == 0 {
		res = b.replayLine(ctx, strings.TrimSuffix(sc.Text(), "\r"))
	}
	if res != 0 {
		return BisectFailed
	}
	return b.AutoNext(ctx)
}

func (b *Bisect) replayLine(ctx context.Context, line string) int {
	p := strings.TrimLeft(line, " \t")
	var rest string
	switch {
	case strings.HasPrefix(p, "git bisect"):
		rest = p[len("git bisect"):]
	case strings.HasPrefix(p, "git-bisect"):
		rest = p[len("git-bisect"):]
	default:
		return 0
	}
	if rest == "" || !strings.ContainsRune(" \t\n\v\f\r", rune(rest[0])) {
		return 0
	}
	rest = strings.TrimLeft(rest, " \t")
	word := rest
	arg := ""
	if k := strings.IndexAny(rest, " \t"); k >= 0 {
		word, arg = rest[:k], strings.TrimLeft(rest[k:], " \t")
	}
	b.ReadTerms()
	if b.checkAndSetTerms(word) != 0 {
		return -1
	}
	switch {
	case word == "start":
		argv, _ := SqDequote(arg)
		return b.Start(ctx, argv)
	case oneOf(word, b.Good, b.Bad, "skip"):
		return b.write(ctx, word, arg, false)
	case word == "terms":
		argv, _ := SqDequote(arg)
		opt := ""
		if len(argv) == 1 {
			opt = argv[0]
		}
		return b.Terms(opt)
	}
	return b.errorf("'%s'?? what are you talking about?", word)
}

// RunStep is what Run does with one exit code of the command.
// Run is git bisect run: cmd is run through the shell at each step, its
// exit code telling good (0), skip (125) or bad (1-127 but 125), and 128
// or more stopping the bisection. runCmd runs the command (its output
// going to the terminal) and gives its exit code, -1 when it could not
// run.
func (b *Bisect) Run(ctx context.Context, argv []string, runCmd func(command string) int) int {
	if b.nextCheck("") != 0 {
		b.printStatus()
		return BisectFailed
	}
	if len(argv) == 0 {
		return b.errorf("bisect run failed: no command provided.")
	}
	command := SqQuote(argv)
	first := true
	out := b.Out
	defer func() { b.Out = out }()
	for {
		fmt.Fprintf(out, "running %s\n", command)
		res := runCmd(command)
		if first && (res == 126 || res == 127) {
			first = false
			rc := b.verifyGood(ctx, command, runCmd)
			if rc < 0 || rc >= 128 {
				b.errorf("unable to verify %s on good revision", command)
				return BisectFailed
			}
			if rc == res {
				b.errorf("bogus exit code %d for good revision", rc)
				return BisectFailed
			}
		}
		if res < 0 || res >= 128 {
			b.errorf("bisect run failed: exit code %d from %s is < 0 or >= 128", res, command)
			return res
		}
		state := b.Bad
		switch res {
		case 125:
			state = "skip"
		case 0:
			state = b.Good
		}
		var buf bytes.Buffer
		b.Out = &buf
		r := b.State(ctx, []string{state})
		b.Out = out
		os.WriteFile(b.path("BISECT_RUN"), buf.Bytes(), 0o666)
		out.Write(buf.Bytes())
		switch {
		case r == BisectOnlySkippedLeft:
			b.errorf("bisect run cannot continue any more")
			return r
		case r == BisectMergeBaseTest:
			fmt.Fprintf(out, "bisect run success\n")
			return BisectOK
		case r == BisectFound:
			fmt.Fprintf(out, "bisect found first bad commit")
			return BisectOK
		case r != 0:
			b.errorf("bisect run failed: 'git bisect %s' exited with error code %d", state, r)
			return r
		}
	}
}

// verifyGood runs the command on the first good commit, checked out for
// it, to tell a command that cannot run from a bad commit.
func (b *Bisect) verifyGood(ctx context.Context, command string, runCmd func(string) int) int {
	br, err := b.readRefs()
	if err != nil || len(br.good) == 0 {
		return -1
	}
	noCheckout := fileExists(b.path("BISECT_HEAD"))
	var current plumbing.Hash
	if noCheckout {
		current, _ = b.readPseudoRef("BISECT_HEAD")
	} else if current, err = b.R.Head(); err != nil {
		return -1
	}
	if b.checkout(br.good[0], noCheckout) != BisectOK {
		return -1
	}
	fmt.Fprintf(b.Out, "running %s\n", command)
	rc := runCmd(command)
	if b.checkout(current, noCheckout) != BisectOK {
		return -1
	}
	return rc
}

// VisualizeRange is the range git bisect visualize shows: the bad commit
// and the good ones excluded, and the bisection's paths.
func (b *Bisect) VisualizeRange() (revs []string, paths []string) {
	br, _ := b.readRefs()
	if br.hasBad {
		revs = append(revs, "refs/bisect/"+b.Bad)
	}
	for _, g := range br.good {
		revs = append(revs, "^"+g.String())
	}
	for _, p := range b.Paths() {
		if p != "--" {
			paths = append(paths, p)
		}
	}
	return revs, paths
}
