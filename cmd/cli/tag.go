package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
	"easel.dev/easel/repo/column"
	"easel.dev/easel/repo/refformat"
)

func init() { register(newTagCmd) }

type tagOptions struct {
	Args      []string
	Annotated bool
	Message   []string
	File      string
	Edit      bool
	Cleanup   string
	Sign      bool
	LocalUser string
	Delete    bool
	Verify    bool
	Force     bool
	List      bool
	JSON      bool
	Lines     int
	CreateLog bool
	NoSign    bool
	Color     string
	NoColor   bool
	refListFlags
}

func newTagCmd(env *Env) *cobra.Command {
	var o tagOptions
	cmd := &cobra.Command{
		Use:   "tag [<name> [<revision>]]",
		Short: "List, create or delete tags",
		Long: `With no arguments, list tags by name. With a name, create a lightweight tag
(a ref to <revision>, default HEAD; any object may be tagged). -a, -m or -F
create an annotated tag: a tag object recording the tagger
(GIT_COMMITTER_NAME/EMAIL/DATE or user.name and user.email) and a message;
-a alone, or -e, edits the message in the editor. --cleanup says what
happens to the message (strip, the default: comments and surplus blank
lines go; whitespace; verbatim). -f replaces an existing tag. -d deletes
tags. easel has no GPG: -s, -u and -v are refused.

-l lists the tags matching any of the patterns given (git's glob patterns:
'*' and '?' match '/' too; -i ignores case). -n<num> shows the first <num>
lines of each annotation (default 1; a lightweight tag shows its commit's
message). --contains/--no-contains <commit> list the tags whose commits
do/do not contain <commit>, --points-at <object> those naming <object>
(directly or through a tag object), --merged/--no-merged <commit> those
whose commits <commit> does/does not contain; each may be repeated.
--sort <key> orders by an atom (refname, version:refname, creatordate,
objectsize..., '-' reverses; tag.sort sets the default), --format prints
git's %(atom) format, --column lays names out in columns.`,
		Example: `  easel tag
  easel tag -l 'v1.*'
  easel tag -n
  easel tag -n3 -l 'v2*'
  easel tag --sort=-version:refname
  easel tag --format='%(refname:short) %(objectname:short) %(contents:subject)'
  easel tag --contains 3f2a9c1
  easel tag --points-at HEAD
  easel tag v1.0
  easel tag -a v1.1 -m "release 1.1"
  easel tag -a v1.0.1 -F notes.txt 3f2a9c1
  easel tag -f v1.0 HEAD~1
  easel tag -d v1.0
  easel tag --json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Args = args
			return runTag(cmd, env, o)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.Annotated, "annotate", "a", false, "make an annotated tag object")
	f.StringArrayVarP(&o.Message, "message", "m", nil, "tag message (implies -a; repeat for paragraphs)")
	f.StringVarP(&o.File, "file", "F", "", "read the tag message from `<file>` (- for standard input)")
	f.BoolVarP(&o.Edit, "edit", "e", false, "edit the message given with -m or -F")
	f.StringVar(&o.Cleanup, "cleanup", "", "how to clean the message up: strip, whitespace or verbatim")
	f.BoolVarP(&o.Sign, "sign", "s", false, "a GPG-signed tag (refused: easel has no GPG)")
	f.StringVarP(&o.LocalUser, "local-user", "u", "", "sign with `<key-id>` (refused: easel has no GPG)")
	f.BoolVarP(&o.Delete, "delete", "d", false, "delete the named tags")
	f.BoolVarP(&o.Verify, "verify", "v", false, "verify tags' GPG signatures (refused: easel has no GPG)")
	f.BoolVarP(&o.Force, "force", "f", false, "replace an existing tag")
	f.BoolVar(&o.CreateLog, "create-reflog", false, "start a reflog for the tag")
	f.BoolVarP(&o.List, "list", "l", false, "list tags (the default without a name)")
	f.BoolVar(&o.JSON, "json", false, "list tags as JSON")
	f.IntVarP(&o.Lines, "lines", "n", -1, "list with the first `<num>` lines of each annotation (-n<num>)")
	f.Lookup("lines").NoOptDefVal = "1"
	f.BoolVar(&o.NoSign, "no-sign", false, "do not sign, whatever tag.gpgSign says")
	f.StringVar(&o.Color, "color", "", "colour %(color:...) in --format (`<when>`: always, never or auto)")
	f.Lookup("color").NoOptDefVal = "always"
	f.BoolVar(&o.NoColor, "no-color", false, "no colour")
	o.refListFlags.add(f, "tags")
	// git's old names for --contains and --no-contains.
	f.StringArrayVar(&o.Contains, "with", nil, "")
	f.StringArrayVar(&o.NoContains, "without", nil, "")
	for _, name := range []string{"with", "without"} {
		f.Lookup(name).NoOptDefVal = "HEAD"
		_ = f.MarkHidden(name)
	}
	return cmd
}

func runTag(cmd *cobra.Command, env *Env, o tagOptions) error {
	ctx := cmd.Context()
	r, err := env.OpenRepo(ctx)
	if err != nil {
		return err
	}
	modes := 0
	for _, b := range []bool{o.List, o.Delete, o.Verify} {
		if b {
			modes++
		}
	}
	if modes > 1 {
		return &UsageError{Msg: "-l, -d and -v cannot be combined"}
	}
	list := o.List || modes == 0 && (len(o.Args) == 0 || o.filtering() || o.Lines >= 0)
	creating := o.Annotated || len(o.Message) > 0 || o.File != "" || o.Sign || o.LocalUser != ""
	if (creating || o.Force) && (list || o.Delete || o.Verify) {
		return &UsageError{Msg: "-a, -m, -F, -s and -f only go with creating a tag"}
	}
	colChanged := cmd.Flags().Changed("column")
	cols, err := o.columns(r, "tag", colChanged)
	if err != nil {
		return err
	}
	if list && o.Lines >= 0 {
		if cols.Cmdline && cols.Active(true) {
			return fmt.Errorf("options '--column' and '-n' cannot be used together")
		}
		cols.Enable = "never"
	}
	if list {
		return listTags(ctx, env, r, o, cols)
	}
	only := ""
	switch {
	case o.Lines >= 0:
		only = "-n"
	case len(o.Contains) > 0:
		only = "--contains"
	case len(o.NoContains) > 0:
		only = "--no-contains"
	case len(o.PointsAt) > 0:
		only = "--points-at"
	case len(o.Merged) > 0:
		only = "--merged"
	case len(o.NoMerged) > 0:
		only = "--no-merged"
	case colChanged && !o.NoColumn:
		only = "--column"
	}
	if only != "" {
		return fmt.Errorf("the '%s' option is only allowed in list mode", only)
	}
	switch {
	case o.Delete:
		return deleteTags(ctx, env, r, o.Args)
	case o.Verify:
		return fmt.Errorf("cannot verify tags: easel has no GPG support")
	case o.Sign || o.LocalUser != "":
		return fmt.Errorf("cannot sign tags: easel has no GPG support")
	case creating && !o.NoSign:
		if v, ok, _ := r.ConfigGet("tag.gpgSign"); ok && isTrue(v) {
			return fmt.Errorf("cannot sign tags (tag.gpgSign is set): easel has no GPG support; --no-sign makes an unsigned tag")
		}
	}
	msg, given := strings.Join(o.Message, "\n\n"), len(o.Message) > 0
	if o.File != "" {
		if given {
			return fmt.Errorf("options '-F' and '-m' cannot be used together")
		}
		var data []byte
		if o.File == "-" {
			data, err = io.ReadAll(env.IO.In)
			if err != nil {
				return fmt.Errorf("cannot read '%s'", o.File)
			}
		} else if data, err = os.ReadFile(o.File); err != nil {
			return fmt.Errorf("could not open or read '%s': %s", o.File, syscallMessage(err))
		}
		msg, given = string(data), true
	}
	if len(o.Args) > 2 {
		return fmt.Errorf("too many arguments")
	}
	rev := "HEAD"
	if len(o.Args) == 2 {
		rev = o.Args[1]
	}
	target, err := r.ResolveRevision(ctx, rev)
	if err != nil {
		return &repo.BranchError{Msg: fmt.Sprintf("Failed to resolve '%s' as a valid ref.", rev), Err: repo.ErrUnknownRevision}
	}
	id, prev, err := r.CreateTagWith(ctx, repo.TagOptions{
		Name: o.Args[0], Target: target, Annotated: o.Annotated || given,
		Message: msg, MessageGiven: given, Edit: o.Edit, Cleanup: o.Cleanup,
		Force: o.Force, CreateReflog: o.CreateLog,
	})
	if errors.Is(err, repo.ErrTagEditor) {
		fmt.Fprintln(env.IO.Err, err.Error())
		return &ExitError{Code: 1}
	}
	if err != nil {
		return err
	}
	if id != target && r.IsTag(target) && adviceEnabled(r, "nestedTag") {
		for _, l := range []string{"You have created a nested tag. The object referred to by your new tag is",
			"already a tag. If you meant to tag the object that it points to, use:", "",
			"\tgit tag -f " + o.Args[0] + " " + rev + "^{}",
			"Disable this message with \"git config advice.nestedTag false\""} {
			fmt.Fprintln(env.IO.Err, "hint: "+l) // git 2.39 keeps the space on an empty line
		}
	}
	if o.Force && !prev.IsZero() && prev != id {
		fmt.Fprintf(env.IO.Out, "Updated tag '%s' (was %s)\n", o.Args[0], r.NewAbbreviator().ShortID(prev))
	}
	return nil
}

// syscallMessage is the system's message of a file error, as git's
// die_errno prints it ("No such file or directory").
func syscallMessage(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		s := pe.Err.Error()
		return strings.ToUpper(s[:1]) + s[1:]
	}
	return err.Error()
}

// deleteTags is git tag -d: each name found is deleted and reported, each
// missing one is an error; the exit status is 1 if any was missing.
func deleteTags(ctx context.Context, env *Env, r *repo.Repository, names []string) error {
	if len(names) == 0 {
		return nil
	}
	ab := r.NewAbbreviator()
	failed := false
	for _, name := range names {
		h, err := r.DeleteTag(ctx, name)
		if errors.Is(err, repo.ErrNotFound) {
			fmt.Fprintf(env.IO.Err, "error: tag '%s' not found.\n", name)
			failed = true
			continue
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(env.IO.Out, "Deleted tag '%s' (was %s)\n", name, ab.ShortID(h))
	}
	if failed {
		return &ExitError{Code: 1}
	}
	return nil
}

// listTags prints the tags matching the options, as git tag -l does:
// filtered, sorted, each through the format (by default its name, with
// -n its name padded to 15 and its annotation's first lines).
func listTags(ctx context.Context, env *Env, r *repo.Repository, o tagOptions, cols column.Mode) error {
	sorter, err := o.sorter(r, "tag")
	if err != nil {
		return err
	}
	format := o.Format
	if format == "" {
		format = "%(refname:strip=2)"
		if o.Lines > 0 {
			format = fmt.Sprintf("%%(align:15)%%(refname:lstrip=2)%%(end) %%(contents:lines=%d)", o.Lines)
		}
	}
	f, err := refformat.Parse(format)
	if err != nil {
		return fatalFormat(err)
	}
	f.Color = useColor(r, env, o.Color, o.NoColor, "color.ui")
	filter, err := o.filter(ctx, r, o.Args)
	if err != nil {
		return err
	}
	tags, err := r.ListTags(ctx, filter)
	if err != nil {
		return err
	}
	src := r.RefFormatSource(ctx)
	items := make([]*refformat.Item, len(tags))
	byItem := map[*refformat.Item]repo.Tag{}
	for i, t := range tags {
		items[i] = &refformat.Item{Refname: "refs/tags/" + t.Name, ID: t.Hash}
		byItem[items[i]] = t
	}
	if err := sorter.Sort(src, items); err != nil {
		return fatalFormat(err)
	}
	if o.JSON {
		out := make([]repo.Tag, 0, len(items))
		for _, it := range items {
			out = append(out, byItem[it])
		}
		return writeJSON(env.IO.Out, out)
	}
	return printRefLines(env, f, src, items, cols, 2)
}

// isTrue reads a git boolean as true.
func isTrue(v string) bool {
	switch strings.ToLower(v) {
	case "true", "yes", "on", "1", "":
		return true
	}
	return false
}

// adviceEnabled is git's advice.<name> setting (on unless false).
func adviceEnabled(r *repo.Repository, name string) bool {
	v, ok, _ := r.ConfigGet("advice." + name)
	return !ok || isTrue(v)
}
