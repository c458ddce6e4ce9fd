package gitconfig

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"easel.dev/easel/repo/wildmatch"
)

// Origin says where a value was read, as config --show-origin and
// --show-scope print it.
type Origin struct {
	Type  string // "file", "command line", "standard input", "blob"
	Name  string // the file as git names it ("" for the command line)
	Scope string // "system", "global", "local", "worktree", "command"
}

// Value is one setting in reading order.
type Value struct {
	Key     string // canonical
	Value   string
	NoValue bool // a bare "name" line: boolean true, printed without "="
	Origin  *Origin
	Line    int
}

// Includes tells how include.path and includeIf.<cond>.path are followed;
// nil follows none.
type Includes struct {
	GitDir string        // for gitdir: conditions ("" outside a repository)
	Branch func() string // the current branch's short name, for onbranch:
}

const maxIncludeDepth = 10

// ErrIncludeDepth: includes nest too deeply (probably a cycle).
var ErrIncludeDepth = errors.New("exceeded maximum include depth")

// ReadFile reads path (a missing file holds nothing). name is how messages
// and --show-origin name it.
func ReadFile(path, name, scope string, inc *Includes) ([]Value, error) {
	return readFile(path, name, scope, inc, 0)
}

func readFile(path, name, scope string, inc *Includes, depth int) ([]Value, error) {
	data, err := readConfigFile(path)
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) && depth > 0 {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return ReadData(data, &Origin{Type: "file", Name: name, Scope: scope}, path, inc, depth)
}

// ReadData reads the configuration in data. path is its file, for relative
// includes ("" when it has none).
func ReadData(data []byte, o *Origin, path string, inc *Includes, depth int) ([]Value, error) {
	where := o.Type
	if o.Name != "" {
		where += " " + o.Name
	}
	p, err := parseEntries(data, where)
	if err != nil {
		return nil, err
	}
	var out []Value
	for i := range p.evs {
		e := &p.evs[i]
		if e.Kind != Entry {
			continue
		}
		v := Value{Key: p.keys[i], Value: e.Value, NoValue: e.NoValue, Origin: o, Line: e.Line}
		out = append(out, v)
		if inc == nil || e.Name != "path" {
			continue
		}
		follow := e.Section == "include" && e.Subsection == "" ||
			e.Section == "includeif" && e.Subsection != "" && inc.condition(e.Subsection, path)
		if !follow {
			continue
		}
		if e.NoValue {
			return nil, fmt.Errorf("missing value for '%s'", v.Key)
		}
		p := expandHome(e.Value)
		name := p
		if !filepath.IsAbs(p) {
			if path == "" {
				return nil, fmt.Errorf("relative config includes must come from files")
			}
			// Not cleaned: git names ".git/../x.include" so.
			name = filepath.Dir(o.Name) + "/" + p
			p = filepath.Dir(path) + "/" + p
		}
		if depth+1 > maxIncludeDepth {
			return nil, fmt.Errorf("%w of %d while including\n\t%s\n\tfrom\n\t%s", ErrIncludeDepth, maxIncludeDepth, p, path)
		}
		more, err := readFile(p, name, o.Scope, inc, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	return out, nil
}

func expandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if h := os.Getenv("HOME"); h != "" {
			return h + p[1:]
		}
	}
	return p
}

// condition evaluates an includeIf condition (gitdir:, gitdir/i:,
// onbranch:); other conditions are false, as git treats unknown ones.
func (inc *Includes) condition(cond, path string) bool {
	icase := false
	var pat string
	switch {
	case strings.HasPrefix(cond, "gitdir:"):
		pat = cond[len("gitdir:"):]
	case strings.HasPrefix(cond, "gitdir/i:"):
		pat, icase = cond[len("gitdir/i:"):], true
	case strings.HasPrefix(cond, "onbranch:"):
		if inc.Branch == nil {
			return false
		}
		b := inc.Branch()
		if b == "" {
			return false
		}
		pat = cond[len("onbranch:"):]
		if strings.HasSuffix(pat, "/") {
			pat += "**"
		}
		return wildmatch.Match(pat, b, wildmatch.PathName)
	default:
		return false
	}
	if inc.GitDir == "" {
		return false
	}
	pat = expandHome(pat)
	if strings.HasPrefix(pat, "./") {
		if path == "" {
			return false
		}
		dir, _ := filepath.EvalSymlinks(filepath.Dir(path))
		if dir == "" {
			dir = filepath.Dir(path)
		}
		pat = dir + pat[1:]
	} else if !filepath.IsAbs(pat) && !strings.HasPrefix(pat, "**/") {
		pat = "**/" + pat
	}
	if strings.HasSuffix(pat, "/") {
		pat += "**"
	}
	// git tries the git directory as given and with symbolic links resolved.
	gd := filepath.Clean(inc.GitDir)
	flags := wildmatch.PathName
	if icase {
		flags |= wildmatch.CaseFold
	}
	if wildmatch.Match(pat, gd, flags) {
		return true
	}
	if real, err := filepath.EvalSymlinks(gd); err == nil && real != gd {
		return wildmatch.Match(pat, real, flags)
	}
	return false
}

// CommandLine reads the settings given on the command line: the
// GIT_CONFIG_COUNT/GIT_CONFIG_KEY_<n>/GIT_CONFIG_VALUE_<n> pairs, then
// GIT_CONFIG_PARAMETERS (git -c), as git reads them.
func CommandLine() ([]Value, error) {
	o := &Origin{Type: "command line", Scope: "command"}
	var out []Value
	if n := os.Getenv("GIT_CONFIG_COUNT"); n != "" {
		count, err := strconv.ParseInt(n, 10, 64)
		if err != nil && !isRange(err) || count < 0 {
			return nil, errors.New("bogus count in GIT_CONFIG_COUNT")
		}
		if err != nil || count > 1<<31-1 {
			return nil, errors.New("too many entries in GIT_CONFIG_COUNT")
		}
		for i := 0; i < int(count); i++ {
			k, ok := os.LookupEnv(fmt.Sprintf("GIT_CONFIG_KEY_%d", i))
			if !ok {
				return nil, fmt.Errorf("missing config key GIT_CONFIG_KEY_%d", i)
			}
			v, ok := os.LookupEnv(fmt.Sprintf("GIT_CONFIG_VALUE_%d", i))
			if !ok {
				return nil, fmt.Errorf("missing config value GIT_CONFIG_VALUE_%d", i)
			}
			pk, err := ParseKey(k)
			if err != nil {
				return nil, fmt.Errorf("invalid config key in GIT_CONFIG_KEY_%d", i)
			}
			out = append(out, Value{Key: pk.Canonical, Value: v, Origin: o})
		}
	}
	params := os.Getenv("GIT_CONFIG_PARAMETERS")
	if params == "" {
		return out, nil
	}
	vals, err := parseParameters(params)
	if err != nil {
		return nil, err
	}
	for i := range vals {
		vals[i].Origin = o
	}
	return append(out, vals...), nil
}

var errBogusParams = errors.New("bogus format in GIT_CONFIG_PARAMETERS")

// parseParameters reads GIT_CONFIG_PARAMETERS: shell-quoted words, either
// 'key=value' (the old form) or 'key'='value', or 'key' alone for true.
func parseParameters(s string) ([]Value, error) {
	var out []Value
	i := 0
	word := func() (string, bool) {
		if i >= len(s) || s[i] != '\'' {
			return "", false
		}
		var b strings.Builder
		for {
			i++
			j := strings.IndexByte(s[i:], '\'')
			if j < 0 {
				return "", false
			}
			b.WriteString(s[i : i+j])
			i += j + 1
			// '\'' continues the word with a quote.
			if strings.HasPrefix(s[i:], `\''`) {
				b.WriteByte('\'')
				i += 2
				continue
			}
			return b.String(), true
		}
	}
	for {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i >= len(s) {
			return out, nil
		}
		k, ok := word()
		if !ok {
			return nil, errBogusParams
		}
		var v Value
		if i < len(s) && s[i] == '=' {
			i++
			val, ok := word()
			if !ok {
				if i < len(s) && s[i] != ' ' {
					return nil, errBogusParams
				}
				v.NoValue = true // 'key'= : a bare boolean
			}
			v.Value = val
			pk, err := ParseKey(k)
			if err != nil {
				return nil, err
			}
			v.Key = pk.Canonical
		} else {
			key, val, has := strings.Cut(k, "=")
			pk, err := ParseKey(key)
			if err != nil {
				return nil, err
			}
			v.Key, v.Value, v.NoValue = pk.Canonical, val, !has
		}
		if i < len(s) && s[i] != ' ' {
			return nil, errBogusParams
		}
		out = append(out, v)
	}
}

// QuoteParameter is how git -c adds key=value to GIT_CONFIG_PARAMETERS.
func QuoteParameter(key string, value *string) string {
	q := func(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
	if value == nil {
		return q(key)
	}
	return q(key) + "=" + q(*value)
}
