package repo

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path"

	"easel.dev/easel/repo/patch"
	"easel.dev/easel/repo/userdiff"
)

// diffDriver is what diff=<name> brings: diff.<name>.textconv,
// diff.<name>.xfuncname (or funcname), diff.<name>.binary, over git's
// built-in drivers of the same name.
type diffDriver struct {
	name     string
	textconv string
	funcName *userdiff.Matcher
	binary   int // 1 binary, -1 text, 0 content decides
}

// diffDriverFor returns the driver of a path, nil when it has none.
func (r *Repository) diffDriverFor(p string) (*diffDriver, error) {
	if p == "" {
		return nil, nil
	}
	a, err := r.Attributes(p)
	if err != nil {
		return nil, err
	}
	v := a.Get("diff")
	if v.Text == "" {
		return nil, nil
	}
	name := v.Text
	d := &diffDriver{name: name}
	pat, known := userdiff.Builtin(name)
	extended, icase := true, false
	if x, ok, _ := r.ConfigGet("diff." + name + ".xfuncname"); ok {
		pat, known = x, true
	} else if f, ok, _ := r.ConfigGet("diff." + name + ".funcname"); ok {
		pat, known, extended = f, true, false
	}
	if pat != "" {
		if d.funcName, err = userdiff.Compile(pat, extended, icase); err != nil {
			return nil, fmt.Errorf("%v: %s", err, pat)
		}
	}
	if t, ok, _ := r.ConfigGet("diff." + name + ".textconv"); ok {
		d.textconv, known = t, true
	}
	if _, ok, _ := r.ConfigGet("diff." + name + ".binary"); ok {
		known = true
		d.binary = -1
		if r.ConfigBool("diff."+name+".binary", false) {
			d.binary = 1
		}
	}
	if !known {
		return nil, nil
	}
	return d, nil
}

// LoadPatchText is LoadPatchData for a patch shown as text (diff, log
// -p, show): the path's diff driver converts both sides with its
// textconv command and chooses the hunk headers.
func (r *Repository) LoadPatchText(p *patch.FilePatch, toWorktree bool) error {
	name := p.To.Path
	if name == "" {
		name = p.From.Path
	}
	d, err := r.diffDriverFor(name)
	if err != nil {
		return err
	}
	if d == nil {
		return r.LoadPatchData(p, toWorktree)
	}
	if d.funcName != nil {
		p.FuncName = d.funcName.Match
	}
	if d.binary > 0 {
		p.From.Binary, p.To.Binary = p.From.Exists(), p.To.Exists()
		return nil
	}
	if d.textconv == "" || (!p.From.Mode.IsRegular() && !p.To.Mode.IsRegular()) {
		return r.loadPatchData(p, toWorktree, d.binary < 0)
	}
	if err := r.loadPatchData(p, toWorktree, true); err != nil {
		return err
	}
	for _, s := range []*patch.Side{&p.From, &p.To} {
		if !s.Exists() || !s.Mode.IsRegular() {
			continue
		}
		out, err := r.runTextconv(d.textconv, s.Path, s.Data)
		if err != nil {
			return err
		}
		s.Data = out
	}
	return nil
}

// runTextconv runs a textconv command on content in a temporary file, as
// git does: sh -c '<command> "$@"' <command> <file>.
func (r *Repository) runTextconv(command, name string, data []byte) ([]byte, error) {
	f, err := os.CreateTemp("", "*_"+path.Base(name))
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	cmd := exec.Command("sh", "-c", command+` "$@"`, command, f.Name())
	cmd.Dir = r.WorkDir
	cmd.Stderr = os.Stderr
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("unable to read files to diff")
	}
	return out.Bytes(), nil
}
