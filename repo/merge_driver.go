package repo

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"easel.dev/easel/merge"
)

// pathMerge says how the content of a path merges, from its merge and
// conflict-marker-size attributes, as git's ll_merge chooses: "-merge" and
// merge=binary keep ours and conflict, merge=union keeps both sides' lines,
// merge=<driver> runs merge.<driver>.driver, anything else (or a driver
// with no command) merges as text. merge.default names the driver for
// paths with no merge attribute.
func (r *Repository) pathMerge(path string) merge.PathMerge {
	var pm merge.PathMerge
	a, err := r.Attributes(path)
	if err != nil {
		return pm
	}
	if v := a.Get("conflict-marker-size"); v.Text != "" {
		if n, err := strconv.Atoi(v.Text); err == nil && n > 0 {
			pm.MarkerSize = n
		}
	}
	v := a.Get("merge")
	name := v.Text
	switch {
	case v.IsUnset():
		pm.Binary = true
		return pm
	case v.IsSet():
		return pm
	case name == "":
		if d, ok, _ := r.ConfigGet("merge.default"); ok {
			name = d
		}
	}
	switch name {
	case "", "text":
	case "binary":
		pm.Binary = true
	case "union":
		pm.Union = true
	default:
		if cmd, ok, _ := r.ConfigGet("merge." + name + ".driver"); ok && cmd != "" {
			pm.External = func(base, ours, theirs []byte, markerSize int, virtual bool) ([]byte, bool, error) {
				return r.runMergeDriver(cmd, path, base, ours, theirs, markerSize)
			}
		}
	}
	return pm
}

// runMergeDriver is git's ll_ext_merge: the three versions in temporary
// files at the top of the work tree, %O %A %B their names, %L the marker
// size, %P the path; the result is what the command leaves in %A, a
// conflict when it exits non-zero.
func (r *Repository) runMergeDriver(cmdline, path string, base, ours, theirs []byte, markerSize int) ([]byte, bool, error) {
	dir := r.WorkDir
	if dir == "" {
		dir = r.GitDir
	}
	var names [3]string
	for i, data := range [][]byte{base, ours, theirs} {
		f, err := os.CreateTemp(dir, ".merge_file_*")
		if err != nil {
			return nil, false, err
		}
		names[i] = f.Name()
		defer os.Remove(f.Name())
		_, werr := f.Write(data)
		if err := f.Close(); werr != nil || err != nil {
			return nil, false, errors.Join(werr, err)
		}
	}
	rel := func(n string) string { return n[len(dir)+1:] }
	var b strings.Builder
	for i := 0; i < len(cmdline); i++ {
		c := cmdline[i]
		if c != '%' || i+1 == len(cmdline) {
			b.WriteByte(c)
			continue
		}
		switch cmdline[i+1] {
		case 'O':
			b.WriteString(rel(names[0]))
		case 'A':
			b.WriteString(rel(names[1]))
		case 'B':
			b.WriteString(rel(names[2]))
		case 'L':
			b.WriteString(strconv.Itoa(markerSize))
		case 'P':
			b.WriteString(shellQuote(path))
		default:
			b.WriteByte(c)
			continue
		}
		i++
	}
	cmd := exec.Command("sh", "-c", b.String())
	cmd.Dir = dir
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	err := cmd.Run()
	var ee *exec.ExitError
	conflict := false
	switch {
	case errors.As(err, &ee):
		conflict = true
	case err != nil:
		return nil, false, err
	}
	out, err := os.ReadFile(names[1])
	if err != nil {
		return nil, false, err
	}
	return out, conflict, nil
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
