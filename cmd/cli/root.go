// Package cli is easel's command line: each command parses its arguments,
// calls into repo/, merge/ or remote/, and prints. Nothing here decides how
// version control works.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"reflect"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
	"easel.dev/easel/repo/gitconfig"
)

// Env is what every command gets: its streams and a way to open the
// repository it runs in.
type Env struct {
	IO  *IO
	Dir string // working directory ("-C" applied)
}

// OpenRepo opens the repository containing the working directory.
func (e *Env) OpenRepo(ctx context.Context) (*repo.Repository, error) {
	return repo.Open(ctx, e.Dir)
}

// OpenWorktreeRepo opens the repository and refuses a bare one.
func (e *Env) OpenWorktreeRepo(ctx context.Context) (*repo.Repository, error) {
	r, err := e.OpenRepo(ctx)
	if err != nil {
		return nil, err
	}
	if r.IsBare() {
		return nil, repo.ErrBareRepository
	}
	return r, nil
}

var constructors []func(*Env) *cobra.Command

// version is the module version the binary was built from ("(devel)" for
// a build from a checkout) and its revision when the build recorded one.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
	}
	return v
}

// register adds a top-level command; each command file calls it from init.
func register(c func(*Env) *cobra.Command) { constructors = append(constructors, c) }

// NewRoot builds the whole command tree.
func NewRoot(env *Env) *cobra.Command { return newRoot(env, commands(env, "")) }

// newRoot builds the root command over the given top-level commands.
func newRoot(env *Env, cmds []*cobra.Command) *cobra.Command {
	root := &cobra.Command{
		Use:           "easel",
		Short:         "easel is a version control system that keeps git's repository format",
		Long:          "easel keeps files under version control. Its repositories are git repositories:\ngit and easel can work on the same one. 'easel serve' hosts repositories over HTTP.",
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       version(),
		Example: `  easel init project && cd project
  easel add -A && easel commit -m "first version"
  easel log --oneline`,
	}
	var chdir string
	// -C is spelled only before the command name (gitStuckShorts turns it
	// into --directory there), so that commands may use -C as git's do
	// (commit -C <commit>).
	root.PersistentFlags().StringVar(&chdir, "directory", "", "run as if easel was started in this directory (-C before the command)")
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if chdir != "" {
			given := chdir
			if !strings.HasPrefix(chdir, "/") {
				chdir = env.Dir + "/" + chdir
			}
			// As git's chdir: a directory that is not there is an error,
			// not one to create (init) or to search upwards from.
			if fi, err := os.Stat(chdir); err != nil || !fi.IsDir() {
				why := "No such file or directory"
				if err == nil {
					why = "Not a directory"
				}
				return fmt.Errorf("cannot change to '%s': %s", given, why)
			}
			env.Dir = chdir
		}
		return nil
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &UsageError{Msg: err.Error() + "\nsee '" + c.CommandPath() + " --help'"}
	})
	root.AddCommand(cmds...)
	root.SetOut(env.IO.Out)
	root.SetErr(env.IO.Err)
	return root
}

// newRootFor builds the root with only the command that args invoke when
// they name one: building all of them (their flags, help texts) is a good
// part of what a short command like 'rev-parse HEAD' costs. Anything else
// (no command, an unknown one, help, completion) gets the whole tree, so
// that help, suggestions and completion see every command.
func newRootFor(env *Env, args []string) *cobra.Command {
	if len(args) == 1 && args[0] == "--version" {
		// Tools probe the version often; it needs no command at all.
		return newRoot(env, nil)
	}
	name := invokedName(args)
	switch name {
	case "", "help", "completion", cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd:
		return NewRoot(env)
	}
	cmds := commands(env, name)
	root := newRoot(env, cmds)
	if len(cmds) == 1 {
		// The completion command cobra adds (four subcommands and their
		// help) cannot be what runs beside another command: it runs from
		// the whole tree, built above for its name.
		root.CompletionOptions.DisableDefaultCmd = true
	}
	return root
}

// invokedName is the first argument that is not one of the root's own
// options, "" when there is none or an option the root may not know.
func invokedName(args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--directory":
			i++
		case strings.HasPrefix(a, "--directory="):
		case strings.HasPrefix(a, "-"):
			return ""
		default:
			return a
		}
	}
	return ""
}

// commands builds the top-level commands, sorted by name; given a name,
// only the one with that name or alias, or all of them when none has it.
func commands(env *Env, name string) []*cobra.Command {
	if name != "" {
		// Constructors are named after their command (newRevParseCmd
		// builds rev-parse): try that one first. The name it gives is
		// still checked; an alias or a constructor named otherwise is
		// found by building them all below.
		for _, c := range constructors {
			if constructorCommand(c) != name {
				continue
			}
			if cmd := c(env); cmd.Name() == name || cmd.HasAlias(name) {
				return []*cobra.Command{cmd}
			}
		}
	}
	cmds := make([]*cobra.Command, 0, len(constructors))
	for _, c := range constructors {
		cmd := c(env)
		if name != "" && (cmd.Name() == name || cmd.HasAlias(name)) {
			return []*cobra.Command{cmd}
		}
		cmds = append(cmds, cmd)
	}
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].Name() < cmds[j].Name() })
	return cmds
}

// Main runs easel with the process's arguments and returns its exit code.
func Main() int {
	defer startProfiles()()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, "fatal:", err)
		return ExitFailure
	}
	return Run(ctx, &Env{IO: SystemIO(), Dir: wd}, os.Args[1:])
}

// Run executes one command line and returns the exit code, printing any
// error as one line on stderr.
func Run(ctx context.Context, env *Env, args []string) int {
	args, err := commandLineConfig(args)
	if err != nil {
		fmt.Fprintln(env.IO.Err, "fatal: "+err.Error())
		return ExitFailure
	}
	args = gitStuckShorts(args)
	// Filter processes (filter.<name>.process) live as long as the
	// command; they are told to finish when it does, as git does.
	defer repo.StopFilterProcesses()
	root := newRootFor(env, args)
	root.SetArgs(args)
	err = root.ExecuteContext(ctx)
	if err == nil {
		autoGC(ctx, env, args)
		return ExitOK
	}
	code := ExitCode(err)
	var ee *ExitError
	if errors.As(err, &ee) && ee.Err == nil {
		return code
	}
	if strings.HasPrefix(err.Error(), "unknown command") || strings.HasPrefix(err.Error(), "unknown flag") ||
		strings.Contains(err.Error(), "accepts ") || strings.Contains(err.Error(), "requires at least") {
		code = ExitUsage
	}
	// git's prefixes, which scripts look for: "fatal: " before what stops
	// a command, nothing before a message git prints bare ("Aborting
	// commit due to empty commit message.").
	// A refusal to overwrite local changes is git's unpack-trees
	// report: an error naming the files, then "Aborting".
	var oe *repo.OverwriteError
	if errors.As(err, &oe) {
		fmt.Fprintln(env.IO.Err, oe.Report())
		if oe.ReadTree {
			return ExitFailure // git's merge dies when its read-tree fails
		}
		return code
	}
	var plain interface{ PlainMessage() bool }
	if errors.As(err, &plain) && plain.PlainMessage() {
		fmt.Fprintln(env.IO.Err, err.Error())
		return code
	}
	prefix := "fatal: "
	if code == ExitUsage && !errors.As(err, &ee) {
		prefix = "usage: "
	}
	fmt.Fprintln(env.IO.Err, prefix+err.Error())
	return code
}

// commandLineConfig takes git's -c <key>[=<value>] and --config-env
// <key>=<envvar> from before the command name into GIT_CONFIG_PARAMETERS,
// as git does, so that easel's own reading and the programs it starts
// (hooks, the editor, git) see them.
func commandLineConfig(args []string) ([]string, error) {
	var out []string
	var params []string
	bare := false
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--bare":
			// As git: the current directory is the repository unless
			// GIT_DIR says otherwise; "--bare init" is "init --bare".
			bare = true
			continue
		case a == "--no-pager" || a == "-P" || a == "--paginate" || a == "-p":
			// easel never starts a pager, so asking for one or for none
			// changes nothing.
			continue
		case a == "--literal-pathspecs" || a == "--glob-pathspecs" || a == "--noglob-pathspecs" || a == "--icase-pathspecs":
			// As git: the setting travels in the environment, to
			// easel's own pathspec parsing and to the programs it runs.
			os.Setenv("GIT_"+strings.ToUpper(strings.TrimPrefix(strings.ReplaceAll(a, "-", "_"), "__")), "1")
			continue
		case a == "-c" || a == "--config-env":
			if i+1 >= len(args) {
				return nil, fmt.Errorf("option '%s' requires a value", a)
			}
			i++
			p, err := configParameter(a, args[i])
			if err != nil {
				return nil, err
			}
			params = append(params, p)
			continue
		case a == "--git-dir" || a == "--work-tree":
			// As git: the repository (or work tree) named on the command line.
			if i+1 >= len(args) {
				return nil, fmt.Errorf("no directory given for '%s' option", a)
			}
			i++
			setGitDirEnv(a, args[i])
			continue
		case strings.HasPrefix(a, "--git-dir=") || strings.HasPrefix(a, "--work-tree="):
			opt, val, _ := strings.Cut(a, "=")
			setGitDirEnv(opt, val)
			continue
		case strings.HasPrefix(a, "--config-env="):
			p, err := configParameter("--config-env", strings.TrimPrefix(a, "--config-env="))
			if err != nil {
				return nil, err
			}
			params = append(params, p)
			continue
		case a == "-C" || a == "--directory":
			out = append(out, a)
			if i+1 < len(args) {
				i++
				out = append(out, args[i])
			}
			continue
		case strings.HasPrefix(a, "-"):
			out = append(out, a)
			continue
		}
		break
	}
	if bare {
		if i < len(args) && args[i] == "init" {
			out = append(out, "init", "--bare")
			i++
		} else if os.Getenv("GIT_DIR") == "" {
			if cwd, err := os.Getwd(); err == nil {
				os.Setenv("GIT_DIR", cwd)
			}
		}
	}
	out = append(out, args[i:]...)
	if len(params) > 0 {
		all := strings.Join(params, " ")
		if old := os.Getenv("GIT_CONFIG_PARAMETERS"); old != "" {
			all = old + " " + all
		}
		os.Setenv("GIT_CONFIG_PARAMETERS", all)
	}
	return out, nil
}

func setGitDirEnv(opt, dir string) {
	if opt == "--git-dir" {
		os.Setenv("GIT_DIR", dir)
	} else {
		os.Setenv("GIT_WORK_TREE", dir)
	}
}

func configParameter(opt, arg string) (string, error) {
	if opt == "--config-env" {
		eq := strings.LastIndexByte(arg, '=')
		if eq <= 0 {
			return "", fmt.Errorf("invalid config format: %s", arg)
		}
		key, envvar := arg[:eq], arg[eq+1:]
		if key == "" {
			return "", fmt.Errorf("invalid config format: %s", arg)
		}
		if envvar == "" {
			return "", fmt.Errorf("missing environment variable name for configuration '%s'", key)
		}
		v, ok := os.LookupEnv(envvar)
		if !ok {
			return "", fmt.Errorf("missing environment variable '%s' for configuration '%s'", envvar, key)
		}
		if _, err := gitconfig.ParseKey(key); err != nil {
			return "", fmt.Errorf("invalid key: %s\nunable to parse command-line config", key)
		}
		return gitconfig.QuoteParameter(key, &v), nil
	}
	key, value, has := strings.Cut(arg, "=")
	if _, err := gitconfig.ParseKey(key); err != nil {
		return "", fmt.Errorf("%v\nunable to parse command-line config", strings.SplitN(err.Error(), ": ", 2)[1])
	}
	if !has {
		return gitconfig.QuoteParameter(key, nil), nil
	}
	return gitconfig.QuoteParameter(key, &value), nil
}

// gitStuckShorts rewrites git's "-uno", "-unormal" and "-uall" for status
// into --untracked-files=... (also after status's other short flags in
// one cluster: "-suno"), and "-M<n>" for diff, show and log into
// --find-renames=<n>: the flag parser reads a short flag with an optional
// value ("-u" alone means all) followed by more characters as more short
// flags. For branch and tag, "--merged <commit>" (and --no-merged,
// --contains, --no-contains, --points-at) becomes "--merged=<commit>": as git, the value
// is optional only when the option comes last. Tag's "-n<num>" becomes
// --lines=<num>.
func gitStuckShorts(args []string) []string {
	cmd := -1
	args = append([]string(nil), args...)
	for i := 0; i < len(args); i++ {
		if args[i] == "-C" || args[i] == "--directory" {
			args[i] = "--directory"
			i++
			continue
		}
		if !strings.HasPrefix(args[i], "-") {
			cmd = i
			break
		}
	}
	if cmd < 0 {
		return args
	}
	name := args[cmd]
	out := append([]string(nil), args...)
	for i := cmd + 1; i < len(out) && out[i] != "--"; i++ {
		if name == "log" && out[i] == "--end-of-options" {
			// As git: what follows is no option, even "-x"; flag
			// parsing is told so by a hidden flag per argument.
			j := i + 1
			for ; j < len(out) && out[j] != "--"; j++ {
				out[j] = "--end-of-options-rev=" + out[j]
			}
			out = append(out[:i], out[i+1:]...)
			break
		}
		switch name {
		case "status", "commit":
			switch out[i] {
			case "-uno", "-unormal", "-uall":
				out[i] = "--untracked-files=" + out[i][2:]
			default:
				// status's boolean shorts before -u in one cluster
				// ("-suno"): -u takes the rest of the cluster.
				flags, mode, ok := strings.Cut(out[i], "u")
				switch {
				case name != "status" || !ok || mode == "" || !strings.HasPrefix(flags, "-") || strings.Trim(flags[1:], "sbzv") != "":
				case flags == "-":
					out[i] = "--untracked-files=" + mode
				default:
					out = append(out[:i+1], out[i:]...)
					out[i], out[i+1] = flags, "--untracked-files="+mode
					i++
				}
			}
		case "blame", "annotate":
			if (strings.HasPrefix(out[i], "-M") || strings.HasPrefix(out[i], "-C")) && len(out[i]) > 2 && out[i][2] >= '0' && out[i][2] <= '9' {
				out[i] = "--" + out[i][1:2] + "=" + out[i][2:]
			}
		case "diff", "show", "log":
			if strings.HasPrefix(out[i], "-M") && len(out[i]) > 2 {
				out[i] = "--find-renames=" + out[i][2:]
			}
		case "branch", "tag":
			switch out[i] {
			case "--merged", "--no-merged", "--contains", "--no-contains", "--points-at":
				if i+1 < len(out) {
					out[i] += "=" + out[i+1]
					out = append(out[:i+1], out[i+2:]...)
				}
			}
			if name == "tag" && strings.HasPrefix(out[i], "-n") && len(out[i]) > 2 && out[i][2] >= '0' && out[i][2] <= '9' {
				out[i] = "--lines=" + out[i][2:]
			}
		}
	}
	return out
}

// constructorCommand is the command name a constructor's own name
// suggests: newRevParseCmd -> "rev-parse"; "" when it follows no pattern.
func constructorCommand(c func(*Env) *cobra.Command) string {
	f := runtime.FuncForPC(reflect.ValueOf(c).Pointer())
	if f == nil {
		return ""
	}
	n := f.Name()
	n = n[strings.LastIndexByte(n, '.')+1:]
	if !strings.HasPrefix(n, "new") || !strings.HasSuffix(n, "Cmd") || len(n) <= len("newCmd") {
		return ""
	}
	var b strings.Builder
	for i, r := range n[len("new") : len(n)-len("Cmd")] {
		if 'A' <= r && r <= 'Z' {
			if i > 0 {
				b.WriteByte('-')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
