package cli

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// Each constructor must be named after its command, or invoking it builds
// every command (correct, but the start-up cost the lookup avoids).
func TestConstructorNamesMatchCommands(t *testing.T) {
	env := &Env{IO: &IO{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard}, Dir: t.TempDir()}
	for _, c := range constructors {
		cmd := c(env)
		if got := constructorCommand(c); got != cmd.Name() {
			t.Errorf("constructor of %q suggests %q: name it new<CamelCaseName>Cmd", cmd.Name(), got)
		}
		only := commands(env, cmd.Name())
		if len(only) != 1 || only[0].Name() != cmd.Name() {
			t.Errorf("commands(%q) built %d commands", cmd.Name(), len(only))
		}
	}
	if all := commands(env, "no-such-command"); len(all) != len(constructors) {
		t.Errorf("unknown name: %d commands built, want all %d", len(all), len(constructors))
	}
}

func TestInvokedName(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"rev-parse", "HEAD"}, "rev-parse"},
		{[]string{"--directory", "x", "status"}, "status"},
		{[]string{"--directory=x", "log"}, "log"},
		{[]string{"--version"}, ""},
		{[]string{"--help", "log"}, ""},
		{nil, ""},
	} {
		if got := invokedName(tc.args); got != tc.want {
			t.Errorf("invokedName(%q) = %q, want %q", tc.args, got, tc.want)
		}
	}
}

// A command built alone must help (and refuse a bad flag) exactly as in
// the whole tree.
func TestLoneCommandBehavesAsInWholeTree(t *testing.T) {
	dir := t.TempDir()
	run := func(root func(*Env, []string) *cobra.Command, args ...string) string {
		var out, errb strings.Builder
		env := &Env{IO: &IO{In: strings.NewReader(""), Out: &out, Err: &errb}, Dir: dir}
		r := root(env, args)
		r.SetArgs(args)
		err := r.Execute()
		return out.String() + "\x00" + errb.String() + "\x00" + fmt.Sprint(err)
	}
	whole := func(env *Env, _ []string) *cobra.Command { return NewRoot(env) }
	env := &Env{IO: &IO{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard}, Dir: dir}
	for _, c := range constructors {
		name := c(env).Name()
		for _, args := range [][]string{{name, "--help"}, {name, "--no-such-flag"}} {
			if got, want := run(newRootFor, args...), run(whole, args...); got != want {
				t.Errorf("%q: alone\n%s\nin the whole tree\n%s", args, got, want)
			}
		}
	}
	if got, want := run(newRootFor, "--version"), run(whole, "--version"); got != want || !strings.HasPrefix(got, "easel version ") {
		t.Errorf("--version: %q, whole tree %q", got, want)
	}
}
