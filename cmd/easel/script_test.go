package main

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"easel.dev/easel/cmd/cli"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"easel":      func() { os.Exit(cli.Main()) },
		"filterproc": func() { os.Exit(filterProc()) },
	})
}

// TestScripts runs every script under testdata/script. Set
// EASEL_UPDATE_SCRIPTS=1 to rewrite cmp files from actual output.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "../../testdata/script",
		RequireExplicitExec: true,
		UpdateScripts:       os.Getenv("EASEL_UPDATE_SCRIPTS") != "",
		Setup:               scriptSetup,
		Cmds:                map[string]func(*testscript.TestScript, bool, []string){"exitcode": cmdExitCode, "serve-bg": cmdServeBG},
	})
}

// cmdExitCode runs a command and checks its exit status, which plain
// `! exec` cannot: exitcode N prog args...
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exitcode: bad code %q", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exitcode: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with %d, want %d", args[1], got, want)
	}
}

// scriptSetup pins everything that would make ids or output vary between
// machines: home directory, identity, dates, colour and the system git config.
func scriptSetup(env *testscript.Env) error {
	home := env.WorkDir + "/home"
	if err := os.MkdirAll(home, 0o755); err != nil {
		return err
	}
	for k, v := range map[string]string{
		"HOME":                home,
		"XDG_CONFIG_HOME":     home + "/.config",
		"GIT_CONFIG_NOSYSTEM": "1",
		"GIT_AUTHOR_NAME":     "A U Thor",
		"GIT_AUTHOR_EMAIL":    "author@example.com",
		"GIT_AUTHOR_DATE":     "1700000000 +0000",
		"GIT_COMMITTER_NAME":  "C O Mitter",
		"GIT_COMMITTER_EMAIL": "committer@example.com",
		"GIT_COMMITTER_DATE":  "1700000000 +0000",
		"NO_COLOR":            "1",
		"TZ":                  "UTC",
		"EASEL_TOKEN":         "",
	} {
		env.Setenv(k, v)
	}
	return nil
}
