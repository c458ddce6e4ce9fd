package repo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"easel.dev/easel/repo/editor"
	"easel.dev/easel/repo/gitobj"
	"easel.dev/easel/repo/hooks"
	"easel.dev/easel/repo/pretty"
	"easel.dev/easel/repo/trailer"
)

// ErrCommitAborted: the commit was abandoned on the way, as git commit
// abandons it with status 1: an empty or unedited message, a failing editor.
var ErrCommitAborted = errors.New("commit aborted")

// abortError is an ErrCommitAborted with git's words for why.
type abortError struct{ msg string }

func (e *abortError) Error() string        { return e.msg }
func (e *abortError) Is(target error) bool { return target == ErrCommitAborted }

// PlainMessage: git prints these messages without a "fatal: " prefix.
func (e *abortError) PlainMessage() bool { return true }

// ComposeOptions ask for git commit's whole message handling: the message
// sources (-m, -F, -C/-c, --fixup/--squash, MERGE_MSG, SQUASH_MSG, a
// template), --signoff, COMMIT_EDITMSG with its comment block, the editor,
// the commit hooks and the clean-up modes. Without them (CommitOptions.
// Compose nil) Commit records Message with surplus whitespace removed.
type ComposeOptions struct {
	Messages          []string // -m, one paragraph each
	HaveMessage       bool     // -m was given (even empty)
	File              string   // -F: a path, or "-" for Stdin
	ReuseMessage      string   // -C <commit>
	ReeditMsg         string   // -c <commit>
	Fixup             string   // --fixup=<commit>
	FixupAmend        bool     // --fixup=amend:<commit> or reword:<commit>: an "amend!" commit
	Squash            string   // --squash=<commit>
	Template          string   // -t <file>; "" uses commit.template
	Edit              int      // -1: as the sources decide, 0: --no-edit, 1: -e
	Cleanup           string   // --cleanup=<mode>; "" uses commit.cleanup, then default
	Signoff           bool
	Status            int // -1: commit.status (default on), 0: --no-status, 1: --status
	AllowEmptyMessage bool
	NoVerify          bool // -n: skip pre-commit and commit-msg
	NoPostRewrite     bool

	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// StatusBlock writes the status shown in the editor's comment block
	// (lines without the "# "; it is added here).
	StatusBlock func(w io.Writer)
}

// composer is one run of the message handling for one commit.
type composer struct {
	r         *Repository
	o         *ComposeOptions
	hooks     *hooks.Runner
	edit      bool
	cleanup   string // verbatim, whitespace, strip, scissors
	useMsg    string // -C/-c or "HEAD" for --amend: the commit whose message is taken
	useCommit *gitobj.Commit
	template  string
	editMsg   string            // path of COMMIT_EDITMSG
	author    *gitobj.Signature // settled before the hooks run, which see it
}

// newComposer settles the options as git's parse_and_validate_options.
func (r *Repository) newComposer(ctx context.Context, o *ComposeOptions, amend bool, stderr io.Writer) (*composer, error) {
	c := &composer{r: r, o: o, hooks: r.Hooks(stderr), edit: true, editMsg: filepath.Join(r.GitDir, "COMMIT_EDITMSG")}
	if o.File != "" || o.HaveMessage || o.ReuseMessage != "" {
		c.edit = false
	}
	if o.Fixup != "" && o.Squash != "" {
		return nil, errors.New("options '--squash' and '--fixup' cannot be used together")
	}
	n := 0
	var set []string
	for _, s := range []struct{ v, name string }{{o.ReuseMessage, "-C"}, {o.ReeditMsg, "-c"}, {o.File, "-F"}, {o.Fixup, "--fixup"}} {
		if s.v != "" {
			n++
			set = append(set, s.name)
		}
	}
	if n > 1 {
		return nil, fmt.Errorf("options '%s' and '%s' cannot be used together", set[0], set[1])
	}
	if o.HaveMessage && (o.ReuseMessage != "" || o.ReeditMsg != "" || o.File != "") {
		return nil, errors.New("option -m cannot be combined with -c/-C/-F")
	}
	c.template = o.Template
	if c.template == "" {
		if t, ok, _ := r.ConfigGet("commit.template"); ok && t != "" {
			c.template = expandHome(t)
		}
	}
	if n > 0 || o.HaveMessage {
		c.template = ""
	}
	c.useMsg = o.ReuseMessage
	if o.ReeditMsg != "" {
		c.useMsg = o.ReeditMsg
	}
	if amend && c.useMsg == "" && o.Fixup == "" {
		c.useMsg = "HEAD"
	}
	if c.useMsg != "" {
		id, err := r.ResolveCommit(ctx, c.useMsg)
		if err != nil {
			return nil, fmt.Errorf("could not lookup commit %s", c.useMsg)
		}
		if c.useCommit, err = gitobj.GetCommit(r.Storer, id); err != nil {
			return nil, err
		}
	}
	if o.Fixup != "" && !o.FixupAmend {
		c.edit = false
	}
	if o.Edit >= 0 {
		c.edit = o.Edit == 1
	}
	mode := o.Cleanup
	if mode == "" {
		mode, _, _ = r.ConfigGet("commit.cleanup")
	}
	switch mode {
	case "", "default":
		c.cleanup = "whitespace"
		if c.edit {
			c.cleanup = "strip"
		}
	case "verbatim", "whitespace", "strip":
		c.cleanup = mode
	case "scissors":
		c.cleanup = "whitespace"
		if c.edit {
			c.cleanup = "scissors"
		}
	default:
		return nil, fmt.Errorf("invalid cleanup mode %s", mode)
	}
	return c, nil
}

func isAlpha(s string) bool {
	for _, ch := range s {
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z') {
			return false
		}
	}
	return s != ""
}

// Hooks is the repository's hook runner: hooks in core.hooksPath or
// .git/hooks, run from the top of the work tree; hook output goes to stderr.
func (r *Repository) Hooks(stderr io.Writer) *hooks.Runner {
	dir := filepath.Join(r.GitDir, "hooks")
	where := r.WorkDir
	if where == "" {
		where = r.GitDir
	}
	if p, ok, _ := r.ConfigGet("core.hookspath"); ok && p != "" {
		p = expandHome(p)
		if !filepath.IsAbs(p) {
			p = filepath.Join(where, p)
		}
		dir = p
	}
	return &hooks.Runner{Dir: dir, WorkDir: where, Stderr: stderr}
}

// hookEnv is what git adds to a commit hook's environment: the index being
// committed, and GIT_EDITOR=: when no editor will be opened.
func (c *composer) hookEnv(indexFile string) []string {
	env := []string{"GIT_INDEX_FILE=" + indexFile}
	if a := c.author; a != nil {
		env = append(env, "GIT_AUTHOR_NAME="+a.Name, "GIT_AUTHOR_EMAIL="+a.Email,
			"GIT_AUTHOR_DATE=@"+strconv.FormatInt(a.When.Unix(), 10)+" "+a.When.Format("-0700"))
	}
	if !c.edit {
		env = append(env, "GIT_EDITOR=:")
	}
	return env
}

// editMsgArg is COMMIT_EDITMSG as git names it to hooks and the editor:
// relative to the top of the work tree when inside it.
func (c *composer) editMsgArg() string {
	if c.r.WorkDir != "" {
		if rel, err := filepath.Rel(c.r.WorkDir, c.editMsg); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return c.editMsg
}

func (c *composer) runHook(ctx context.Context, name, indexFile string, args ...string) error {
	_, err := c.hooks.Run(ctx, name, nil, c.hookEnv(indexFile), args...)
	return err
}

// authorCommit is the commit -C/-c/--amend takes the author from, or
// the commit a stopped cherry-pick is picking (CHERRY_PICK_HEAD), whose
// author git keeps when the pick is concluded with a plain commit; nil:
// none.
func (c *composer) authorCommit(resetAuthor bool) *gitobj.Commit {
	if resetAuthor {
		return nil
	}
	if c.useCommit == nil {
		if id, ok := c.r.readHeadFile(cherryPickHeadFile); ok {
			if pc, err := gitobj.GetCommit(c.r.Storer, id); err == nil {
				return pc
			}
		}
	}
	return c.useCommit
}

// compose builds COMMIT_EDITMSG, runs prepare-commit-msg, the editor and
// commit-msg, and returns the final message (git's prepare_to_commit and
// the clean-up in cmd_commit). merging: a merge is being concluded.
func (c *composer) compose(ctx context.Context, indexFile string, merging bool, author, committer gitobj.Signature, dateShown bool) (string, error) {
	o := c.o
	var sb strings.Builder
	hookArg1, hookArg2 := "", ""
	clean := c.cleanup != "verbatim"
	if o.Squash != "" {
		if c.useMsg != "" && c.useMsg == o.Squash {
			sb.WriteString("squash! ")
		} else {
			sc, err := c.lookup(ctx, o.Squash)
			if err != nil {
				return "", err
			}
			sb.WriteString("squash! " + pretty.Subject(sc.Message) + "\n\n")
		}
	}
	mergeMsg := c.r.statePath(mergeMsgFile)
	squashMsg := c.r.statePath(squashMsgFile)
	switch {
	case o.HaveMessage && o.Fixup == "":
		sb.WriteString(strings.Join(o.Messages, "\n\n"))
		if len(o.Messages) > 0 {
			// git ends each -m paragraph with a newline.
			sb.WriteString("\n")
		}
		hookArg1 = "message"
	case o.File == "-":
		data, err := io.ReadAll(o.Stdin)
		if err != nil {
			return "", fmt.Errorf("could not read log from standard input: %w", err)
		}
		sb.Write(data)
		hookArg1 = "message"
	case o.File != "":
		data, err := os.ReadFile(o.File)
		if err != nil {
			return "", fmt.Errorf("could not read log file '%s': %w", o.File, err)
		}
		sb.Write(data)
		hookArg1 = "message"
	case c.useCommit != nil:
		sb.WriteString(strings.TrimLeft(c.useCommit.Message, "\n"))
		hookArg1, hookArg2 = "commit", c.useMsg
	case o.Fixup != "":
		fc, err := c.lookup(ctx, o.Fixup)
		if err != nil {
			return "", err
		}
		prefix := "fixup! "
		if o.FixupAmend {
			prefix = "amend! "
		}
		sb.WriteString(prefix + pretty.Subject(fc.Message) + "\n\n")
		hookArg1 = "message"
		if o.HaveMessage && !o.FixupAmend {
			sb.WriteString(strings.Join(o.Messages, "\n\n") + "\n")
		}
		if o.FixupAmend {
			// The commit's whole message follows, or only its body when
			// it is itself an amend! commit (no doubled subject).
			if strings.HasPrefix(sb.String(), "amend! amend!") {
				sb.WriteString(commitBody(fc.Message))
			} else {
				sb.WriteString(fc.Message)
			}
		}
	case fileExists(mergeMsg):
		hookArg1 = "merge"
		if fileExists(squashMsg) {
			data, err := os.ReadFile(squashMsg)
			if err != nil {
				return "", err
			}
			sb.Write(data)
			hookArg1 = "squash"
		}
		data, err := os.ReadFile(mergeMsg)
		if err != nil {
			return "", err
		}
		sb.Write(data)
	case fileExists(squashMsg):
		data, err := os.ReadFile(squashMsg)
		if err != nil {
			return "", err
		}
		sb.Write(data)
		hookArg1 = "squash"
	case c.template != "":
		data, err := os.ReadFile(c.template)
		if err != nil {
			return "", fmt.Errorf("could not read '%s': %w", c.template, err)
		}
		sb.Write(data)
		hookArg1 = "template"
		clean = false
	case merging:
		hookArg1 = "merge"
	}
	if o.Squash != "" {
		hookArg1, hookArg2 = "message", ""
	}
	msg := sb.String()
	if clean {
		msg = cleanupText(msg, false)
	}
	if o.Signoff {
		msg = trailer.AppendSignoff(msg, trailer.IgnoreNonTrailer(msg), "Signed-off-by: "+committer.Name+" <"+committer.Email+">", c.r.trailerTokens())
	}

	var file strings.Builder
	file.WriteString(msg)
	if c.edit && c.status() {
		c.writeCommentBlock(&file, merging, author, committer, dateShown)
	}
	if err := os.WriteFile(c.editMsg, []byte(file.String()), 0o644); err != nil {
		return "", fmt.Errorf("could not write commit template: %w", err)
	}

	args := []string{c.editMsgArg()}
	if hookArg1 != "" {
		args = append(args, hookArg1)
		if hookArg2 != "" || o.Squash != "" {
			args = append(args, hookArg2)
		}
	}
	if err := c.runHook(ctx, "prepare-commit-msg", indexFile, args...); err != nil {
		return "", err
	}
	if c.edit {
		core, _, _ := c.r.ConfigGet("core.editor")
		ed, err := editor.Pick(core)
		if err == nil {
			err = editor.Run(ctx, ed, c.editMsg, c.hooks.WorkDir, []string{"GIT_INDEX_FILE=" + indexFile}, o.Stdin, o.Stdout, o.Stderr)
		}
		if err != nil {
			return "", &abortError{err.Error() + "\nPlease supply the message using either -m or -F option."}
		}
	}
	if !o.NoVerify {
		if err := c.runHook(ctx, "commit-msg", indexFile, c.editMsgArg()); err != nil {
			return "", err
		}
	}

	data, err := os.ReadFile(c.editMsg)
	if err != nil {
		return "", fmt.Errorf("could not read commit message: %w", err)
	}
	final := c.clean(string(data))
	if !o.AllowEmptyMessage {
		if c.messageIsEmpty(final) {
			return "", &abortError{"Aborting commit due to empty commit message."}
		}
		if c.templateUntouched(final) {
			return "", &abortError{"Aborting commit; you did not edit the message."}
		}
		if o.Fixup != "" && strings.HasPrefix(final, "amend! ") {
			body := ""
			if i := strings.Index(final, "\n\n"); i >= 0 {
				body = final[i:]
			}
			if c.messageIsEmpty(body) {
				return "", &abortError{"Aborting commit due to empty commit message body."}
			}
		}
	}
	return final, nil
}

// commitBody is a message without its subject paragraph (git's %b).
func commitBody(msg string) string {
	i := strings.Index(msg, "\n\n")
	if i < 0 {
		return ""
	}
	return strings.TrimLeft(msg[i+2:], "\n")
}

func (c *composer) lookup(ctx context.Context, rev string) (*gitobj.Commit, error) {
	id, err := c.r.ResolveCommit(ctx, rev)
	if err != nil {
		return nil, fmt.Errorf("could not lookup commit %s", rev)
	}
	return gitobj.GetCommit(c.r.Storer, id)
}

func (c *composer) status() bool {
	if c.o.Status >= 0 {
		return c.o.Status == 1
	}
	return c.r.ConfigBool("commit.status", true)
}

// scissorsLine is git's cut line: everything from it on is dropped.
const scissorsLine = trailer.ScissorsLine

// writeCommentBlock writes the part of COMMIT_EDITMSG after the message
// that git writes when the editor opens: how the message is cleaned, the
// author and date when they are not the committer's own, and the status.
func (c *composer) writeCommentBlock(w *strings.Builder, merging bool, author, committer gitobj.Signature, dateShown bool) {
	var b strings.Builder
	if merging {
		if c.cleanup == "scissors" {
			w.WriteString(scissorsLine + "\n" + "# Do not modify or remove the line above.\n# Everything below it will be ignored.\n")
		}
		b.WriteString("\nIt looks like you may be committing a merge.\nIf this is not correct, please run\n\tgit update-ref -d MERGE_HEAD\nand try again.\n\n")
	}
	comment(w, b.String())
	b.Reset()
	w.WriteString("\n")
	switch c.cleanup {
	case "strip":
		if c.o.AllowEmptyMessage {
			b.WriteString("Please enter the commit message for your changes. Lines starting\nwith '#' will be ignored.\n")
		} else {
			b.WriteString("Please enter the commit message for your changes. Lines starting\nwith '#' will be ignored, and an empty message aborts the commit.\n")
		}
	case "scissors":
		if !merging {
			w.WriteString(scissorsLine + "\n" + "# Do not modify or remove the line above.\n# Everything below it will be ignored.\n")
		}
	default:
		b.WriteString("Please enter the commit message for your changes. Lines starting\nwith '#' will be kept; you may remove them yourself if you want to.\n")
		if !c.o.AllowEmptyMessage {
			b.WriteString("An empty message aborts the commit.\n")
		}
	}
	shown := false
	line := func(s string) {
		if !shown {
			b.WriteString("\n")
			shown = true
		}
		b.WriteString(s + "\n")
	}
	if author.Name != committer.Name || author.Email != committer.Email {
		line(fmt.Sprintf("Author:    %s <%s>", author.Name, author.Email))
	}
	if dateShown {
		line("Date:      " + author.When.Format("Mon Jan 2 15:04:05 2006 -0700"))
	}
	b.WriteString("\n")
	if c.o.StatusBlock != nil {
		c.o.StatusBlock(&b)
	}
	comment(w, b.String())
}

// comment writes text as git's comment lines: "# " before each line, "#"
// alone before an empty line or one starting with a tab.
func comment(w *strings.Builder, text string) {
	if text == "" {
		return
	}
	for _, l := range strings.SplitAfter(strings.TrimSuffix(text, "\n"), "\n") {
		l = strings.TrimSuffix(l, "\n")
		if l == "" || l[0] == '\t' {
			w.WriteString("#" + l + "\n")
		} else {
			w.WriteString("# " + l + "\n")
		}
	}
}

// clean applies the clean-up mode to the edited message.
func (c *composer) clean(msg string) string {
	if c.cleanup == "scissors" {
		msg = cutAtScissors(msg)
	}
	switch c.cleanup {
	case "verbatim":
		return msg
	case "strip":
		return cleanupText(msg, true)
	}
	return cleanupText(msg, false)
}

// cutAtScissors drops everything from git's scissors line on.
func cutAtScissors(msg string) string {
	if strings.HasPrefix(msg, scissorsLine+"\n") || msg == scissorsLine {
		return ""
	}
	if i := strings.Index(msg, "\n"+scissorsLine+"\n"); i >= 0 {
		return msg[:i+1]
	}
	if strings.HasSuffix(msg, "\n"+scissorsLine) {
		return msg[:len(msg)-len(scissorsLine)]
	}
	return msg
}

// messageIsEmpty is git's test: nothing but blank lines and Signed-off-by
// lines (any text counts in verbatim mode).
func (c *composer) messageIsEmpty(msg string) bool {
	if c.cleanup == "verbatim" && msg != "" {
		return false
	}
	return restIsEmpty(msg)
}

func restIsEmpty(msg string) bool {
	for _, l := range strings.Split(msg, "\n") {
		if strings.HasPrefix(l, "Signed-off-by: ") {
			continue
		}
		if strings.TrimSpace(l) != "" {
			return false
		}
	}
	return true
}

// templateUntouched: the message is the template (cleaned the same way)
// with at most blank and Signed-off-by lines added.
func (c *composer) templateUntouched(msg string) bool {
	if c.cleanup == "verbatim" || c.template == "" {
		return false
	}
	data, err := os.ReadFile(c.template)
	if err != nil || len(data) == 0 {
		return false
	}
	tmpl := cleanupText(string(data), c.cleanup == "strip")
	rest := strings.TrimPrefix(msg, tmpl)
	return restIsEmpty(rest)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
