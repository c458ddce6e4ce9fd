// Package editor picks and runs the user's text editor as git does, for
// commit and merge messages.
package editor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

// ErrDumbTerminal: no editor is configured and the terminal cannot run vi.
var ErrDumbTerminal = errors.New("terminal is dumb, but EDITOR unset")

// Pick returns the editor command in git's order: $GIT_EDITOR, the
// core.editor setting (coreEditor, "" when unset), $VISUAL unless the
// terminal is dumb, $EDITOR, then vi — except on a dumb terminal, where
// ErrDumbTerminal is returned instead.
func Pick(coreEditor string) (string, error) {
	dumb := os.Getenv("TERM") == "" || os.Getenv("TERM") == "dumb"
	ed := os.Getenv("GIT_EDITOR")
	if ed == "" {
		ed = coreEditor
	}
	if ed == "" && !dumb {
		ed = os.Getenv("VISUAL")
	}
	if ed == "" {
		ed = os.Getenv("EDITOR")
	}
	if ed == "" {
		if dumb {
			return "", ErrDumbTerminal
		}
		ed = "vi"
	}
	return ed, nil
}

// Run opens file in the editor command ed (a shell command line, as git
// reads it) and waits for it. ":" does nothing, as in git. env is added to
// the environment; stdin, stdout and stderr are the terminal's.
func Run(ctx context.Context, ed, file, dir string, env []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if ed == ":" {
		return nil
	}
	var cmd *exec.Cmd
	if strings.ContainsAny(ed, "|&;<>()$`\\\"' \t\n*?[#~=%") {
		cmd = exec.CommandContext(ctx, "/bin/sh", "-c", ed+` "$@"`, ed, file)
	} else {
		cmd = exec.CommandContext(ctx, ed, file)
	}
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("there was a problem with the editor '%s'", ed)
	}
	return nil
}
