package cli

import (
	"errors"
	"fmt"
	"path/filepath"

	"easel.dev/easel/repo"
	"easel.dev/easel/repo/pathspec"
)

// parsePathspec reads command-line pathspecs (relative to the current
// directory, with git's magic) for any command that takes paths, so that
// one pattern selects the same files in diff, status, add, rm, checkout,
// restore, reset, commit, clean and log.
func parsePathspec(env *Env, r *repo.Repository, args []string) (pathspec.Pathspec, error) {
	return parsePathspecWith(env, r, args, pathspec.Parse)
}

// parsePathspecCwd is parsePathspec for rm and clean, where exclusions
// alone mean "the rest of the current directory" as in git.
func parsePathspecCwd(env *Env, r *repo.Repository, args []string) ([]string, error) {
	ps, err := parsePathspecWith(env, r, args, pathspec.ParseCwd)
	return ps.Strings(), err
}

func parsePathspecWith(env *Env, r *repo.Repository, args []string, parse func(string, []string) (pathspec.Pathspec, error)) (pathspec.Pathspec, error) {
	prefix := ""
	if r.WorkDir != "" {
		if rel, err := relPath(evalDir(r.WorkDir), evalDir(env.Dir)); err == nil && rel != "." {
			prefix = rel
		}
	}
	elems := make([]string, len(args))
	precompose := r.PrecomposeUnicode()
	for i, a := range args {
		if precompose {
			// As git's precompose_argv: decomposed names typed on
			// macOS name the precomposed paths the index holds.
			a = repo.Precompose(a)
		}
		elems[i] = a
		if r.WorkDir != "" && filepath.IsAbs(a) {
			// An absolute path inside the work tree, as git allows.
			rel, err := relPath(evalDir(r.WorkDir), evalDir(a))
			if err != nil {
				return nil, outsideError(r, a)
			}
			elems[i] = ":(top)" + rel
		}
	}
	ps, err := parse(prefix, elems)
	var oe *pathspec.OutsideError
	if errors.As(err, &oe) {
		return nil, outsideError(r, oe.Elem)
	}
	return ps, err
}

// pathspecArgs is parsePathspec for the repo/ calls that take pathspecs as
// strings relative to the top (magic kept).
func pathspecArgs(r *repo.Repository, env *Env, args []string) ([]string, error) {
	ps, err := parsePathspec(env, r, args)
	if err != nil {
		return nil, err
	}
	return ps.Strings(), nil
}

func outsideError(r *repo.Repository, a string) error {
	return &repo.PathspecError{Pathspec: a, Msg: fmt.Sprintf("%s: '%s' is outside repository at '%s'", a, a, r.WorkDir)}
}
