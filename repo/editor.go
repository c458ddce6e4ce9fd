package repo

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// terminalDumb is git's is_terminal_dumb: TERM unset or "dumb".
func terminalDumb() bool {
	t := os.Getenv("TERM")
	return t == "" || t == "dumb"
}

// CommitEditor is the editor git would start for a commit message:
// GIT_EDITOR, core.editor, VISUAL (unless the terminal is dumb), EDITOR,
// then vi; "" when the terminal is dumb and none is set.
func (r *Repository) CommitEditor() string {
	if e := os.Getenv("GIT_EDITOR"); e != "" {
		return e
	}
	if v, ok, _ := r.ConfigGet("core.editor"); ok && v != "" {
		return v
	}
	if !terminalDumb() {
		if e := os.Getenv("VISUAL"); e != "" {
			return e
		}
	}
	if e := os.Getenv("EDITOR"); e != "" {
		return e
	}
	if terminalDumb() {
		return ""
	}
	return "vi"
}

// SequenceEditor is the editor for rebase -i's todo list:
// GIT_SEQUENCE_EDITOR, sequence.editor, then the commit editor.
func (r *Repository) SequenceEditor() string {
	if e := os.Getenv("GIT_SEQUENCE_EDITOR"); e != "" {
		return e
	}
	if v, ok, _ := r.ConfigGet("sequence.editor"); ok && v != "" {
		return v
	}
	return r.CommitEditor()
}

// runEditor runs editor on path as git does: through the shell, with the
// file as its argument, attached to the terminal. ":" does nothing.
func (r *Repository) runEditor(editor, path string) error {
	if editor == "" {
		return fmt.Errorf("terminal is dumb, but EDITOR unset")
	}
	if editor == ":" {
		return nil
	}
	cmd := exec.Command("sh", "-c", editor+` "$@"`, editor, path)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Dir = r.WorkDir
	if cmd.Dir == "" {
		cmd.Dir = r.GitDir
	}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("there was a problem with the editor '%s'", strings.TrimSpace(editor))
	}
	return nil
}
