package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
	"easel.dev/easel/repo/editor"
	"easel.dev/easel/repo/gitconfig"
)

func init() {
	register(newConfigCmd)
}

// git config's own exit statuses, which scripts test; config uses them
// rather than the table in README.md (documented there).
const (
	configNotFound   = 1 // key not set, or invalid key
	configNoSection  = 2
	configBadFile    = 3
	configNothingSet = 5 // nothing to unset, or several values to overwrite
	configBadPattern = 6
	configUsage      = 129
)

// typeFlag records the type options in command-line order: git allows
// repeating one type, forbids two different ones, and --no-type forgets.
type typeFlag struct {
	seq  *[]string
	name string // the type this flag means; "" for --type=<value>
}

func (t typeFlag) String() string { return "" }
func (t typeFlag) Type() string {
	if t.name == "" {
		return "string"
	}
	return "bool"
}
func (t typeFlag) Set(v string) error {
	if t.name != "" {
		v = t.name
	}
	*t.seq = append(*t.seq, v)
	return nil
}

type configOptions struct {
	TypeSeq                         []string
	Global, System, Local, Worktree bool
	File, Blob                      string
	Get, GetAll, GetRegexp          bool
	ReplaceAll, Add, Unset          bool
	UnsetAll, RenameSection         bool
	RemoveSection, List, Edit       bool
	Null, NameOnly                  bool
	Includes, NoIncludes            bool
	ShowOrigin, ShowScope           bool
	Default                         string
	FixedValue                      bool
	JSON                            bool
}

func newConfigCmd(env *Env) *cobra.Command {
	var o configOptions
	cmd := &cobra.Command{
		Use:   "config [<options>] <key> [<value> [<value-pattern>]] | --get ... | --list ...",
		Short: "Get and set repository or global options",
		Long: `Read or write configuration in git's files, as git config does. Reading looks at
the system file, the global files ($XDG_CONFIG_HOME/git/config, ~/.gitconfig), the
repository's .git/config and the command line (easel -c key=value), the last value
winning; include.path and includeIf (gitdir:, gitdir/i:, onbranch:) are followed.
Writing changes only the lines concerned.

With one argument the key's value is printed; with two it is set; a third is a
value-pattern (a regular expression, "!" for values not matching, or an exact
string with --fixed-value) selecting the values to replace. Exit statuses are
git config's: 1 the key is not set (or is invalid), 2 a key without section or
name, 3 an invalid config file, 5 nothing to unset or several values to
overwrite, 6 an invalid regular expression, 129 a bad command line.`,
		Example: `  easel config user.name "Ada Lovelace"
  easel config --global user.email ada@example.com
  easel config --get-regexp '^remote\.'
  easel config --add remote.origin.fetch '+refs/tags/*:refs/tags/*'
  easel config --unset-all remote.origin.fetch
  easel config --list --show-origin
  easel config --type=bool core.bare
  easel config --rename-section branch.old branch.new`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runConfig(cmd.Context(), env, o, args, cmd.Flags().Changed("default"))
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.Global, "global", false, "use the global file")
	f.BoolVar(&o.System, "system", false, "use the system file")
	f.BoolVar(&o.Local, "local", false, "use the repository's file")
	f.BoolVar(&o.Worktree, "worktree", false, "use the work tree's file (config.worktree)")
	f.StringVarP(&o.File, "file", "f", "", "use `<file>` (- for standard input)")
	f.StringVar(&o.Blob, "blob", "", "read the configuration in `<blob>`")
	f.VarP(typeFlag{seq: &o.TypeSeq}, "type", "t", "value `type`: bool, int, bool-or-int, path, expiry-date, color")
	for _, t := range []struct{ flag, typ, usage string }{
		{"bool", "bool", "same as --type=bool"}, {"int", "int", "same as --type=int"},
		{"bool-or-int", "bool-or-int", "same as --type=bool-or-int"}, {"path", "path", "same as --type=path"},
		{"expiry-date", "expiry-date", "same as --type=expiry-date"}, {"no-type", "none", "forget a type given before"},
	} {
		f.Var(typeFlag{seq: &o.TypeSeq, name: t.typ}, t.flag, t.usage)
		f.Lookup(t.flag).NoOptDefVal = "true"
	}
	f.BoolVar(&o.Get, "get", false, "print the value: key [value-pattern]")
	f.BoolVar(&o.GetAll, "get-all", false, "print every value: key [value-pattern]")
	f.BoolVar(&o.GetRegexp, "get-regexp", false, "print keys and values matching: name-regex [value-pattern]")
	f.BoolVar(&o.ReplaceAll, "replace-all", false, "replace all matching values: key value [value-pattern]")
	f.BoolVar(&o.Add, "add", false, "add a value: key value")
	f.BoolVar(&o.Unset, "unset", false, "remove a value: key [value-pattern]")
	f.BoolVar(&o.UnsetAll, "unset-all", false, "remove all matching values: key [value-pattern]")
	f.BoolVar(&o.RenameSection, "rename-section", false, "rename a section: old-name new-name")
	f.BoolVar(&o.RemoveSection, "remove-section", false, "remove a section: name")
	f.BoolVarP(&o.List, "list", "l", false, "list every setting")
	f.BoolVarP(&o.Edit, "edit", "e", false, "open the file in the editor")
	f.BoolVarP(&o.Null, "null", "z", false, "end values with NUL, keys with a newline")
	f.BoolVar(&o.NameOnly, "name-only", false, "list keys only")
	f.BoolVar(&o.Includes, "includes", false, "follow include.path and includeIf")
	f.BoolVar(&o.NoIncludes, "no-includes", false, "do not follow includes")
	f.BoolVar(&o.ShowOrigin, "show-origin", false, "print where each value comes from")
	f.BoolVar(&o.ShowScope, "show-scope", false, "print the scope of each value")
	f.StringVar(&o.Default, "default", "", "with --get: print `<value>` when the key is not set")
	f.BoolVar(&o.FixedValue, "fixed-value", false, "the value-pattern is an exact string")
	f.BoolVar(&o.JSON, "json", false, "with --list: print JSON")
	// As git config: options end at the key, so values may start with "-".
	cmd.Flags().SetInterspersed(false)
	return cmd
}

func configErr(code int, format string, a ...any) error {
	return &ExitError{Code: code, Err: fmt.Errorf(format, a...)}
}

// configSource is where config reads or writes: one file, standard input,
// a blob, or (all nil) every file in order.
type configSource struct {
	path, name, scope string
	stdin             bool
	blob              string
}

func (s configSource) chosen() bool { return s.path != "" || s.stdin || s.blob != "" }

func runConfig(ctx context.Context, env *Env, o configOptions, args []string, haveDefault bool) error {
	// The type: the last of --type and its spellings, --no-type forgetting.
	typ := ""
	for _, t := range o.TypeSeq {
		switch {
		case t == "none":
			typ = ""
		case typ != "" && typ != t:
			return configErr(configUsage, "only one type at a time")
		default:
			typ = t
		}
	}
	switch typ {
	case "", "bool", "int", "bool-or-int", "path", "expiry-date", "color":
	default:
		return configErr(configUsage, "unrecognized --type argument, %s", typ)
	}

	actions := 0
	for _, a := range []bool{o.Get, o.GetAll, o.GetRegexp, o.ReplaceAll, o.Add, o.Unset, o.UnsetAll, o.RenameSection, o.RemoveSection, o.List, o.Edit} {
		if a {
			actions++
		}
	}
	if actions > 1 {
		return configErr(configUsage, "only one action at a time")
	}
	locs := 0
	for _, l := range []bool{o.Global, o.System, o.Local, o.Worktree, o.File != "", o.Blob != ""} {
		if l {
			locs++
		}
	}
	if locs > 1 {
		return configErr(configUsage, "only one config file at a time")
	}

	r, err := env.OpenRepo(ctx)
	if err != nil {
		if !errors.Is(err, repo.ErrNotRepository) {
			return err
		}
		r = nil
	}
	var src configSource
	switch {
	case o.Global:
		p := repo.GlobalConfigPath()
		src = configSource{path: absPath(env, p), name: p, scope: "global"}
	case o.System:
		p := repo.SystemConfigFile()
		src = configSource{path: absPath(env, p), name: p, scope: "system"}
	case o.Local:
		if r == nil {
			return configErr(128, "--local can only be used inside a git repository")
		}
		src = configSource{path: r.LocalConfigPath(), name: displayConfigName(r, r.LocalConfigPath()), scope: "local"}
	case o.Worktree:
		if r == nil {
			return configErr(128, "--worktree can only be used inside a git repository")
		}
		p := r.LocalConfigPath()
		if r.ConfigBool("extensions.worktreeconfig", false) {
			p = r.WorktreeConfigPath()
		}
		src = configSource{path: p, name: displayConfigName(r, p), scope: "worktree"}
	case o.File == "-":
		src = configSource{stdin: true, scope: "command"}
	case o.File != "":
		src = configSource{path: absPath(env, o.File), name: o.File, scope: "command"}
		if !filepath.IsAbs(o.File) && r != nil && r.WorkDir != "" {
			if rel, err := filepath.Rel(r.WorkDir, src.path); err == nil && !strings.HasPrefix(rel, "..") {
				src.name = rel
			}
		}
	case o.Blob != "":
		if r == nil {
			return configErr(128, "not in a git directory")
		}
		src = configSource{blob: o.Blob, scope: "command"}
	default:
		if p := os.Getenv("GIT_CONFIG"); p != "" {
			src = configSource{path: absPath(env, p), name: p, scope: "command"}
		}
	}
	includes := !src.chosen()
	if o.Includes {
		includes = true
	}
	if o.NoIncludes {
		includes = false
	}

	reader := &configReader{r: r, src: src, includes: includes, env: env}
	wantArgs := func(min, max int) error {
		if len(args) < min || len(args) > max {
			if min == max {
				return configErr(configUsage, "wrong number of arguments, should be %d", min)
			}
			return configErr(configUsage, "wrong number of arguments, should be from %d to %d", min, max)
		}
		return nil
	}
	writable := func() (string, error) {
		if src.stdin {
			return "", configErr(configUsage, "writing to stdin is not supported")
		}
		if src.blob != "" {
			return "", configErr(configUsage, "writing config blobs is not supported")
		}
		if src.path != "" {
			return src.path, nil
		}
		if r == nil {
			return "", configErr(128, "not in a git directory")
		}
		return r.LocalConfigPath(), nil
	}
	if o.FixedValue {
		ok := false
		switch {
		case o.Get || o.GetAll || o.GetRegexp || o.Unset || o.UnsetAll:
			ok = len(args) == 2
		case o.ReplaceAll || actions == 0:
			ok = len(args) == 3
		}
		if !ok {
			return configErr(configUsage, "--fixed-value only applies with 'value-pattern'")
		}
	}
	valuePattern := func(i int) (*gitconfig.ValueMatcher, error) {
		if len(args) <= i {
			return gitconfig.MatchAll(), nil
		}
		m, err := gitconfig.NewValueMatcher(args[i], o.FixedValue)
		if err != nil {
			return nil, configErr(configBadPattern, "invalid pattern: %s", args[i])
		}
		return m, nil
	}

	switch {
	case o.List:
		if err := wantArgs(0, 0); err != nil {
			return err
		}
		reader.list = true
		vals, err := reader.values()
		if err != nil {
			return err
		}
		if o.JSON {
			type ent struct {
				Key   string `json:"key"`
				Value string `json:"value"`
				Scope string `json:"scope"`
			}
			out := []ent{}
			for _, v := range vals {
				out = append(out, ent{v.Key, v.Value, v.Origin.Scope})
			}
			return writeJSON(env.IO.Out, out)
		}
		p := configPrinter{o: o, typ: "", keys: true, delim: '='}
		for _, v := range vals {
			if err := p.print(env.IO.Out, v); err != nil {
				return err
			}
		}
		return nil
	case o.Edit:
		if err := wantArgs(0, 0); err != nil {
			return err
		}
		path, err := writable()
		if err != nil {
			return err
		}
		core := ""
		if r != nil {
			core, _, _ = r.ConfigGet("core.editor")
		}
		ed, err := editor.Pick(core)
		if err != nil {
			return err
		}
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			os.WriteFile(path, nil, 0o644)
		}
		return editor.Run(ctx, ed, path, env.Dir, nil, env.IO.In, env.IO.Out, env.IO.Err)
	case o.Get, o.GetAll, o.GetRegexp, actions == 0 && len(args) == 1:
		if err := wantArgs(1, 2); err != nil {
			return err
		}
		return configGet(env, reader, o, typ, args, haveDefault, valuePattern)
	case o.RenameSection, o.RemoveSection:
		n := 2
		if o.RemoveSection {
			n = 1
		}
		if err := wantArgs(n, n); err != nil {
			return err
		}
		path, err := writable()
		if err != nil {
			return err
		}
		found := false
		err = repo.EditConfigFile(path, func(data []byte) ([]byte, error) {
			newName := ""
			if !o.RemoveSection {
				newName = args[1]
			}
			out, ok, err := gitconfig.RenameSection(data, "file "+path, args[0], newName, o.RemoveSection)
			found = ok
			return out, err
		})
		if errors.Is(err, gitconfig.ErrInvalidKey) {
			return configErr(255, "invalid section name: %s", args[1])
		}
		if err != nil {
			return configFileErr(err)
		}
		if !found {
			return configErr(128, "no such section: %s", args[0])
		}
		return nil
	case o.Unset, o.UnsetAll:
		if err := wantArgs(1, 2); err != nil {
			return err
		}
		m, err := valuePattern(1)
		if err != nil {
			return err
		}
		return configSet(env, writable, args[0], nil, m, o.UnsetAll)
	case o.Add:
		if err := wantArgs(2, 2); err != nil {
			return err
		}
		v, err := normalizeConfig(typ, args[0], args[1])
		if err != nil {
			return err
		}
		return configSet(env, writable, args[0], &v, gitconfig.MatchNone(), false)
	case o.ReplaceAll, actions == 0 && len(args) >= 2:
		if err := wantArgs(2, 3); err != nil {
			return err
		}
		v, err := normalizeConfig(typ, args[0], args[1])
		if err != nil {
			return err
		}
		m, err := valuePattern(2)
		if err != nil {
			return err
		}
		return configSet(env, writable, args[0], &v, m, o.ReplaceAll)
	}
	return configErr(configUsage, "usage: easel config [<options>]; a key is required, see 'easel config --help'")
}

func displayConfigName(r *repo.Repository, p string) string {
	if r.WorkDir != "" {
		if rel, err := filepath.Rel(r.WorkDir, p); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return p
}

func normalizeConfig(typ, key, v string) (string, error) {
	out, err := gitconfig.Normalize(typ, key, v)
	if err != nil {
		return "", &ExitError{Code: 128, Err: errors.New(strings.TrimPrefix(err.Error(), gitconfig.ErrBadValue.Error()+": "))}
	}
	return out, nil
}

// configFileErr maps the errors of reading and editing a file to git's
// statuses.
func configFileErr(err error) error {
	var se *gitconfig.SyntaxError
	switch {
	case errors.As(err, &se):
		return &ExitError{Code: configBadFile, Err: fmt.Errorf("%v\ninvalid config file %s", err, strings.TrimPrefix(se.Name, "file "))}
	case errors.Is(err, repo.ErrLocked):
		return &ExitError{Code: 255, Err: err}
	}
	return err
}

func configSet(env *Env, writable func() (string, error), key string, value *string, m *gitconfig.ValueMatcher, all bool) error {
	k, err := gitconfig.ParseKey(key)
	if err != nil {
		code := configNotFound
		if errors.Is(err, gitconfig.ErrNoSection) {
			code = configNoSection
		}
		return configErr(code, "%s", strings.SplitN(err.Error(), ": ", 2)[1])
	}
	path, err := writable()
	if err != nil {
		return err
	}
	err = repo.EditConfigFile(path, func(data []byte) ([]byte, error) {
		return gitconfig.Set(data, "file "+path, k, value, m, all)
	})
	switch {
	case errors.Is(err, gitconfig.ErrMultiple):
		fmt.Fprintf(env.IO.Err, "warning: %s has multiple values\n", k.Canonical)
		if value == nil {
			return &ExitError{Code: configNothingSet}
		}
		return configErr(configNothingSet, "cannot overwrite multiple values with a single value\n       Use a regexp, --add or --replace-all to change %s.", k.Canonical)
	case errors.Is(err, gitconfig.ErrNothingSet):
		return &ExitError{Code: configNothingSet}
	case err != nil:
		return configFileErr(err)
	}
	return nil
}

// configReader reads the values config looks at.
type configReader struct {
	r        *repo.Repository
	src      configSource
	includes bool
	env      *Env
	list     bool // --list: a chosen file that cannot be read is fatal
}

func (c *configReader) values() ([]gitconfig.Value, error) {
	var inc *gitconfig.Includes
	if c.includes {
		inc = c.r.ConfigIncludes()
	}
	var vals []gitconfig.Value
	var err error
	switch {
	case c.src.stdin:
		data, rerr := io.ReadAll(c.env.IO.In)
		if rerr != nil {
			return nil, rerr
		}
		vals, err = gitconfig.ReadData(data, &gitconfig.Origin{Type: "standard input", Scope: "command"}, "", inc, 0)
	case c.src.blob != "":
		data, berr := c.blob()
		if berr != nil {
			return nil, berr
		}
		vals, err = gitconfig.ReadData(data, &gitconfig.Origin{Type: "blob", Name: c.src.blob, Scope: "command"}, "", inc, 0)
	case c.src.path != "":
		if _, serr := os.Stat(c.src.path); serr != nil && (c.src.scope == "command" || c.list) {
			if c.list {
				return nil, configErr(128, "unable to read config file '%s': %v", c.src.name, errors.Unwrap(serr))
			}
			return nil, configErr(configNotFound, "unable to read config file '%s': %v", c.src.name, errors.Unwrap(serr))
		}
		vals, err = gitconfig.ReadFile(c.src.path, c.src.name, c.src.scope, inc)
	default:
		if inc != nil {
			return c.r.ConfigValues()
		}
		for _, f := range c.r.ConfigFiles() {
			v, ferr := gitconfig.ReadFile(f.Path, f.Name, f.Scope, nil)
			if ferr != nil {
				return nil, ferr
			}
			vals = append(vals, v...)
		}
		cl, cerr := gitconfig.CommandLine()
		if cerr != nil {
			return nil, cerr
		}
		vals = append(vals, cl...)
	}
	return vals, err
}

func (c *configReader) blob() ([]byte, error) {
	id, err := c.r.ResolveRevision(context.Background(), c.src.blob)
	if err != nil {
		return nil, configErr(128, "unable to resolve config blob '%s'", c.src.blob)
	}
	b, err := c.r.ReadBlob(id)
	if err != nil {
		return nil, configErr(128, "reference '%s' does not point to a blob", c.src.blob)
	}
	return b, nil
}

// configPrinter prints values as git config's format_config.
type configPrinter struct {
	o     configOptions
	typ   string
	keys  bool
	delim byte
}

func (p configPrinter) print(w io.Writer, v gitconfig.Value) error {
	term := byte('\n')
	delim := p.delim
	if p.o.Null {
		term, delim = 0, '\n'
	}
	var b strings.Builder
	if p.o.ShowScope {
		b.WriteString(v.Origin.Scope)
		if p.o.Null {
			b.WriteByte(0)
		} else {
			b.WriteByte('\t')
		}
	}
	if p.o.ShowOrigin {
		b.WriteString(v.Origin.Type + ":")
		if p.o.Null {
			b.WriteString(v.Origin.Name)
			b.WriteByte(0)
		} else {
			b.WriteString(quoteOriginName(v.Origin.Name))
			b.WriteByte('\t')
		}
	}
	if p.keys {
		b.WriteString(v.Key)
	}
	if !p.o.NameOnly {
		where := ""
		if v.Origin.Type == "file" {
			where = "file " + v.Origin.Name
		} else if v.Origin.Type != "" {
			where = v.Origin.Type
		}
		switch {
		case p.typ != "":
			s, err := gitconfig.Format(p.typ, v.Key, v.Value, v.NoValue, where)
			if err != nil {
				msg := strings.TrimPrefix(err.Error(), gitconfig.ErrBadValue.Error()+": ")
				if v.NoValue && v.Origin.Type == "file" {
					msg += fmt.Sprintf("\nbad config variable '%s' in file '%s' at line %d", v.Key, v.Origin.Name, v.Line)
				}
				return &ExitError{Code: 128, Err: errors.New(msg)}
			}
			if p.keys {
				b.WriteByte(delim)
			}
			b.WriteString(s)
		case !v.NoValue:
			if p.keys {
				b.WriteByte(delim)
			}
			b.WriteString(v.Value)
		}
	}
	b.WriteByte(term)
	_, err := io.WriteString(w, b.String())
	return err
}

// quoteOriginName quotes a file name as git's quote_c_style when it holds
// a quote, a backslash or a control or non-ASCII byte.
func quoteOriginName(s string) string {
	need := false
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x7f {
			need = true
		}
	}
	if !need {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, "\\%03o", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func configGet(env *Env, reader *configReader, o configOptions, typ string, args []string, haveDefault bool,
	valuePattern func(int) (*gitconfig.ValueMatcher, error)) error {
	var keyRe *regexp.Regexp
	canonical := ""
	if o.GetRegexp {
		// As git: the section and the name in the pattern are lowercased.
		pat := args[0]
		first, last := strings.IndexByte(pat, '.'), strings.LastIndexByte(pat, '.')
		if first < 0 {
			pat = strings.ToLower(pat)
		} else {
			pat = strings.ToLower(pat[:first]) + pat[first:last] + strings.ToLower(pat[last:])
		}
		re, err := regexp.Compile(pat)
		if err != nil {
			return configErr(configBadPattern, "invalid key pattern: %s", args[0])
		}
		keyRe = re
	} else {
		k, err := gitconfig.ParseKey(args[0])
		if err != nil {
			return configErr(configNotFound, "%s", strings.SplitN(err.Error(), ": ", 2)[1])
		}
		canonical = k.Canonical
	}
	m, err := valuePattern(1)
	if err != nil {
		return err
	}
	vals, err := reader.values()
	if err != nil {
		return err
	}
	var found []gitconfig.Value
	for _, v := range vals {
		if keyRe != nil && !keyRe.MatchString(v.Key) || keyRe == nil && v.Key != canonical {
			continue
		}
		if !m.MatchGet(v.Value) {
			continue
		}
		found = append(found, v)
	}
	p := configPrinter{o: o, typ: typ, keys: o.GetRegexp, delim: ' '}
	if len(found) == 0 {
		if haveDefault && !o.GetRegexp {
			d, err := gitconfig.Format(typ, args[0], o.Default, false, "")
			if err != nil {
				return &ExitError{Code: 128, Err: errors.New(strings.TrimPrefix(err.Error(), gitconfig.ErrBadValue.Error()+": "))}
			}
			p.typ = ""
			return p.print(env.IO.Out, gitconfig.Value{Key: canonical, Value: d, Origin: &gitconfig.Origin{}})
		}
		return &ExitError{Code: configNotFound}
	}
	if !o.GetAll && !o.GetRegexp {
		found = found[len(found)-1:]
	}
	for _, v := range found {
		if err := p.print(env.IO.Out, v); err != nil {
			return err
		}
	}
	return nil
}
