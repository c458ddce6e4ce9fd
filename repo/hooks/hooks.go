// Package hooks runs git's hook programs: executables named after an event
// (pre-commit, post-merge, ...) in .git/hooks or in the directory core.hooksPath
// names. A repository's hooks are shared with git, so they are called the way
// git calls them: the same arguments, standard input and environment, their
// standard output sent to standard error, from the top of the work tree.
package hooks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// Runner runs the hooks of one repository.
type Runner struct {
	Dir     string   // the hooks directory
	WorkDir string   // where hooks run: the work tree's top, or the git directory of a bare repository
	Env     []string // added to the process's environment (later entries win)
	Stderr  io.Writer
}

// Error is a hook that ran and failed.
type Error struct {
	Name string
	Code int // exit status; -1 when it could not be started or was killed
	Err  error
}

func (e *Error) Error() string {
	if e.Code >= 0 {
		return fmt.Sprintf("the %s hook exited with status %d", e.Name, e.Code)
	}
	return fmt.Sprintf("the %s hook failed: %v", e.Name, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Path is the hook's file if it exists and may be run, else "". As git, a
// hook file that is not executable is skipped with a hint on Stderr.
func (h *Runner) Path(name string) string {
	if h == nil || h.Dir == "" {
		return ""
	}
	p := filepath.Join(h.Dir, name)
	fi, err := os.Stat(p)
	if err != nil || fi.IsDir() {
		return ""
	}
	if fi.Mode().Perm()&0o111 == 0 {
		if h.Stderr != nil {
			fmt.Fprintf(h.Stderr, "hint: The '%s' hook was ignored because it's not set as executable.\n"+
				"hint: You can disable this warning with `git config advice.ignoredHook false`.\n", p)
		}
		return ""
	}
	return p
}

// Exists reports whether the hook would run.
func (h *Runner) Exists(name string) bool { return h.Path(name) != "" }

// Run runs hook name with args, stdin (nil: none) and extra environment
// entries. ran is false when there is no such hook. A hook that exits
// non-zero is an *Error.
func (h *Runner) Run(ctx context.Context, name string, stdin io.Reader, env []string, args ...string) (ran bool, err error) {
	p := h.Path(name)
	if p == "" {
		return false, nil
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return false, err
	}
	cmd := exec.CommandContext(ctx, abs, args...)
	cmd.Dir = h.WorkDir
	cmd.Env = append(append(os.Environ(), h.Env...), env...)
	cmd.Stdin = stdin
	// git sends a hook's standard output to standard error, so that it never
	// mixes with a command's own output.
	out := h.Stderr
	if out == nil {
		out = io.Discard
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() >= 0 {
			return true, &Error{Name: name, Code: ee.ExitCode(), Err: err}
		}
		return true, &Error{Name: name, Code: -1, Err: err}
	}
	return true, nil
}
