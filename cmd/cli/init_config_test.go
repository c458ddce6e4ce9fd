package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"easel.dev/easel/internal/gittest"
)

// easel init run again in an existing repository, against git on twin
// copies: git probes the file mode again and writes core.repositoryformatversion,
// core.filemode, core.bare and (unless some config sets it)
// core.logallrefupdates over what the config says, leaves core.symlinks and
// core.ignorecase alone, and writes core.sharedrepository again when the
// repository is shared. The config file must come out byte for byte as
// git's, with its mode; the exit status, stderr and stdout (its path and
// the name of the program aside) too. A few new repositories are made
// too, where git's core.logallrefupdates depends on other config or on
// GIT_WORK_TREE.
func TestInitConfigAgainstGit(t *testing.T) {
	gittest.Need(t)
	gittest.Pin(t)
	root := t.TempDir()
	cases := []struct {
		name  string
		setup string // a shell script run in an empty directory
		args  []string
		pre   []string          // options before "init" (-c)
		env   map[string]string // GIT_DIR, GIT_WORK_TREE
		// config is the config file's path ("" for .git/config; "config"
		// when args start with --bare).
		config string
		// want is a line git's config has afterwards, checked too, so
		// that each case keeps testing what it says it does.
		want string
	}{
		{
			name:  "core.filemode false on a file system that keeps modes",
			setup: "git init -q .\ngit config core.filemode false\n",
			want:  "\tfilemode = true\n",
		},
		{
			name:  "logallrefupdates unset, symlinks false, another section",
			setup: "git init -q .\ngit config core.filemode false\ngit config --unset core.logallrefupdates\ngit config core.symlinks false\ngit config user.name x\n",
			want:  "\tsymlinks = false\n",
		},
		{
			name:  "logallrefupdates false stays",
			setup: "git init -q .\ngit config core.logallrefupdates false\n",
			want:  "\tlogallrefupdates = false\n",
		},
		{
			name:  "hand-written config: other spellings, a comment, two core sections",
			setup: "git init -q .\nprintf '[core]\\n\\tfileMode=false # c\\n\\tbare=false\\n[core]\\n\\tx = 1\\n' > .git/config\n",
			want:  "\tx = 1\n\trepositoryformatversion = 0\n",
		},
		{
			name:  "format version 1 with an extension",
			setup: "git init -q .\ngit config core.repositoryformatversion 1\ngit config extensions.worktreeConfig true\ngit config core.filemode false\n",
			want:  "\trepositoryformatversion = 0\n",
		},
		{
			name:  "shared in the repository's config",
			setup: "git init -q .\ngit config core.sharedRepository 0664\n",
			want:  "\tsharedrepository = 0664\n[receive]\n",
		},
		{
			name:  "bare, core.filemode false",
			setup: "git init -q --bare .\ngit config core.filemode false\n",
			args:  []string{"--bare"},
			want:  "\tbare = true\n",
		},
		{
			name:  "bare in the config of a repository with a work tree",
			setup: "git init -q .\ngit config core.bare true\n",
			want:  "\tbare = false\n",
		},
		{
			name: "a new repository, core.logallrefupdates set on the command line",
			pre:  []string{"-c", "core.logallrefupdates=false"},
			args: []string{"-b", "main"},
			want: "\tbare = false\n",
		},
		{
			name:   "a new repository of GIT_DIR and GIT_WORK_TREE",
			env:    map[string]string{"GIT_DIR": "repo.git", "GIT_WORK_TREE": "."},
			args:   []string{"-b", "main"},
			config: "repo.git/config",
			want:   "\tlogallrefupdates = true\n\tworktree = ",
		},
		{
			name:   "GIT_DIR and GIT_WORK_TREE again, core.filemode false",
			setup:  "GIT_DIR=repo.git GIT_WORK_TREE=. git init -q\ngit --git-dir=repo.git config core.filemode false\n",
			env:    map[string]string{"GIT_DIR": "repo.git", "GIT_WORK_TREE": "."},
			config: "repo.git/config",
			want:   "\tfilemode = true\n",
		},
		{
			name: "a new shared repository",
			args: []string{"--shared=group", "-b", "main"},
			want: "\tsharedrepository = 1\n",
		},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			base := filepath.Join(root, "base", strconv.Itoa(i))
			if err := os.MkdirAll(base, 0o755); err != nil {
				t.Fatal(err)
			}
			sh := exec.Command("bash", "-e", "-c", c.setup)
			sh.Dir = base
			if out, err := sh.CombinedOutput(); err != nil {
				t.Fatalf("setup: %v: %s", err, out)
			}
			g, e := twinCopies(t, base, root, strconv.Itoa(i), "-a")
			// easel's -c goes into the environment of the process
			// (for the programs it runs): it must not outlive the case.
			t.Setenv("GIT_CONFIG_PARAMETERS", "")
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			r := runTwins(t, g, e, append(append(append([]string{}, c.pre...), "init"), c.args...))
			if (r.gitErr == nil) != (r.code == 0) {
				t.Errorf("git: %v, easel exit code %d", r.gitErr, r.code)
			}
			if want := strings.ReplaceAll(strings.ReplaceAll(r.gout.String(), g, e), " Git ", " easel "); r.eout.String() != want {
				t.Errorf("stdout %q, want %q", r.eout.String(), want)
			}
			if r.eerr.String() != r.gerr.String() {
				t.Errorf("stderr %q, git's %q", r.eerr.String(), r.gerr.String())
			}
			config := filepath.Join(".git", "config")
			if len(c.args) > 0 && c.args[0] == "--bare" {
				config = "config"
			}
			if c.config != "" {
				config = filepath.FromSlash(c.config)
			}
			gc, err := os.ReadFile(filepath.Join(g, config))
			if err != nil {
				t.Fatal(err)
			}
			ec, err := os.ReadFile(filepath.Join(e, config))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(gc), c.want) {
				t.Errorf("git's config has no %q:\n%s", c.want, gc)
			}
			// core.worktree names the twin's own directory.
			if want := strings.ReplaceAll(string(gc), g, e); string(ec) != want {
				t.Errorf("config\n%s\ngit's\n%s", ec, gc)
			}
			gs, err := os.Stat(filepath.Join(g, config))
			if err != nil {
				t.Fatal(err)
			}
			es, err := os.Stat(filepath.Join(e, config))
			if err != nil {
				t.Fatal(err)
			}
			if es.Mode() != gs.Mode() {
				t.Errorf("config's mode %v, git's %v", es.Mode(), gs.Mode())
			}
		})
	}
}
