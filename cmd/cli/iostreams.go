package cli

import (
	"io"
	"os"

	"golang.org/x/term"
)

// IO carries the standard streams and what is known about them. Data goes to
// Out, messages and progress to Err. Colour is decided here once.
type IO struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer

	OutTerminal bool
	ErrTerminal bool
	Color       bool
	Getenv      func(string) string
}

// SystemIO is the process's own streams.
func SystemIO() *IO {
	outTTY := term.IsTerminal(int(os.Stdout.Fd()))
	errTTY := term.IsTerminal(int(os.Stderr.Fd()))
	return &IO{
		In: os.Stdin, Out: os.Stdout, Err: os.Stderr,
		OutTerminal: outTTY, ErrTerminal: errTTY,
		Color:  outTTY && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb",
		Getenv: os.Getenv,
	}
}

// Progress reports whether long operations should print progress to Err.
func (s *IO) Progress() bool { return s.ErrTerminal }
