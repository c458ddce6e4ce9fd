package repo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"easel.dev/easel/repo/pathspec"
)

// CleanOptions select what Clean removes, as git clean's options do.
type CleanOptions struct {
	Dirs        bool     // -d: untracked directories too (else only files in tracked ones)
	Ignored     bool     // -x: ignored files too
	OnlyIgnored bool     // -X: only ignored files
	Nested      bool     // -ff: nested repositories too
	DryRun      bool     // -n: list, remove nothing
	Paths       []string // limit to these (repository-relative)
}

// Clean removes untracked files from the work tree, and returns what it
// removed (or would remove), directories with a trailing "/", in path
// order. Tracked files are never touched: the list comes from the same
// walk status makes, which does not follow symbolic links.
func (r *Repository) Clean(ctx context.Context, o CleanOptions) ([]string, error) {
	if r.WorkDir == "" {
		return nil, ErrBareRepository
	}
	idx, err := r.ReadIndex()
	if err != nil {
		return nil, err
	}
	found, err := r.untracked(ctx, idx, StatusOptions{Untracked: UntrackedNormal, Ignored: o.Ignored || o.OnlyIgnored, Paths: o.Paths}, pathspec.New(o.Paths))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range found {
		ignored := f.Code == '!'
		if o.OnlyIgnored && !ignored || !o.OnlyIgnored && !o.Ignored && ignored {
			continue
		}
		if strings.HasSuffix(f.Path, "/") {
			if !o.Dirs {
				continue
			}
			if !o.Nested && IsNestedRepository(filepath.Join(r.WorkDir, filepath.FromSlash(f.Path))) {
				continue // git leaves a nested repository alone unless -ff
			}
		}
		out = append(out, f.Path)
	}
	sort.Strings(out)
	if o.DryRun {
		return out, nil
	}
	for i, p := range out {
		full := filepath.Join(r.WorkDir, filepath.FromSlash(strings.TrimSuffix(p, "/")))
		if strings.HasSuffix(p, "/") {
			err = os.RemoveAll(full)
		} else {
			err = os.Remove(full)
		}
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return out[:i], fmt.Errorf("removing %s: %w", p, err)
		}
	}
	return out, nil
}
