package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
)

func init() { register(newInitCmd) }

type initOptions struct {
	Dir         string
	Bare        bool
	Branch      string
	Quiet       bool
	Template    string
	TemplateSet bool
	// Shared: --shared[=<permissions>]; sharedSet when given.
	Shared    string
	sharedSet bool
	// DirGiven: a directory argument, which with --bare wins over
	// $GIT_DIR, as in git.
	DirGiven bool
	// SeparateGitDir: --separate-git-dir, the git directory elsewhere
	// and a .git file naming it.
	SeparateGitDir string
	// ObjectFormat: --object-format (sha1; sha256 is refused).
	ObjectFormat string
}

func newInitCmd(env *Env) *cobra.Command {
	var o initOptions
	cmd := &cobra.Command{
		Use:   "init [directory]",
		Short: "Create an empty repository",
		Long:  "Create an empty repository in directory (default: the current one). Running it again on an existing repository is safe.",
		Example: `  easel init
  easel init project
  easel init --bare /srv/easel/project.git
  easel init -b trunk
  easel init --separate-git-dir /data/project.git project`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Dir, o.DirGiven = env.Dir, len(args) == 1
			if len(args) == 1 {
				o.Dir = args[0]
				if !filepath.IsAbs(o.Dir) {
					o.Dir = filepath.Join(env.Dir, o.Dir)
				}
			}
			o.TemplateSet = cmd.Flags().Changed("template")
			o.sharedSet = cmd.Flags().Changed("shared")
			return runInit(cmd.Context(), env, o)
		},
	}
	cmd.Flags().StringVar(&o.Template, "template", "", "copy the files of `<dir>` into the new git directory (as GIT_TEMPLATE_DIR, init.templateDir)")
	cmd.Flags().BoolVar(&o.Bare, "bare", false, "create a bare repository (no work tree)")
	cmd.Flags().StringVarP(&o.Branch, "initial-branch", "b", "", "name of the first branch (default "+repo.DefaultBranch+")")
	cmd.Flags().BoolVarP(&o.Quiet, "quiet", "q", false, "print nothing")
	cmd.Flags().StringVar(&o.Shared, "shared", "", "share the repository with a group: group (the default), all, umask, or an octal mode such as 0640 (core.sharedRepository)")
	cmd.Flags().Lookup("shared").NoOptDefVal = "group"
	cmd.Flags().StringVar(&o.ObjectFormat, "object-format", "", "hash of the object ids: sha1 (the only one easel writes; sha256 is refused)")
	cmd.Flags().StringVar(&o.SeparateGitDir, "separate-git-dir", "", "put the git directory at `<dir>` and make .git a file naming it (moves an existing repository's git directory there)")
	return cmd
}

func runInit(ctx context.Context, env *Env, o initOptions) error {
	if err := checkObjectFormat(o.ObjectFormat, os.Getenv("GIT_DEFAULT_HASH")); err != nil {
		return err
	}
	gitDirEnv, workEnv := os.Getenv("GIT_DIR"), os.Getenv("GIT_WORK_TREE")
	if workEnv != "" && (gitDirEnv == "" || o.Bare) {
		// git says the same when --bare takes GIT_DIR's place.
		return fmt.Errorf("GIT_WORK_TREE (or --work-tree=<directory>) not allowed without specifying GIT_DIR (or --git-dir=<directory>)")
	}
	path, bare, workTree := o.Dir, o.Bare, ""
	if o.Bare && o.DirGiven {
		gitDirEnv = ""
	}
	if gitDirEnv != "" {
		// As git: $GIT_DIR is the repository; without a work tree it is
		// bare unless it is named ".git" (or ends in "/.git").
		gd := gitDirEnv
		if !filepath.IsAbs(gd) {
			gd = filepath.Join(env.Dir, gd)
		}
		switch {
		case workEnv != "":
			workTree = workEnv
			if !filepath.IsAbs(workTree) {
				workTree = filepath.Join(env.Dir, workTree)
			}
			path, bare = gd, true
		case !o.Bare && filepath.Base(gd) == ".git" && gd != env.Dir:
			path, bare = filepath.Dir(gd), false
		default:
			path, bare = gd, true
		}
	}
	if o.SeparateGitDir != "" {
		switch {
		case o.Bare:
			return errors.New("options '--separate-git-dir' and '--bare' cannot be used together")
		case bare:
			return errors.New("--separate-git-dir incompatible with bare repository")
		}
	}
	gitDir := path
	if !bare {
		gitDir = filepath.Join(path, ".git")
		if dir, ok := repo.WorkTreeGitDir(path); ok {
			gitDir = dir // a .git file: the repository it names
		}
	}
	_, statErr := os.Stat(filepath.Join(gitDir, "HEAD"))
	reinit := statErr == nil
	branch := o.Branch
	if reinit && branch != "" {
		fmt.Fprintf(env.IO.Err, "warning: re-init: ignored --initial-branch=%s\n", branch)
		branch = ""
	}
	var cfg *repo.Repository // nil: only the global and command-line config
	if branch == "" && !reinit {
		if v, ok, _ := cfg.ConfigGet("init.defaultBranch"); ok && v != "" {
			if repo.CheckBranchName(v) != nil {
				return fmt.Errorf("invalid branch name: init.defaultBranch = %s", v)
			}
			branch = v
		}
	}
	sharedValue := o.Shared
	if !o.sharedSet {
		sharedValue, _, _ = cfg.ConfigGet("core.sharedRepository")
	}
	shared, sharedConfig, err := repo.ParseSharedRepository(sharedValue)
	if err != nil {
		return err
	}
	if branch != "" {
		if err := repo.CheckBranchName(branch); err != nil {
			return fmt.Errorf("invalid initial branch name: '%s'", branch)
		}
	}
	var r *repo.Repository
	if o.SeparateGitDir != "" {
		sep := o.SeparateGitDir
		if !filepath.IsAbs(sep) {
			sep = filepath.Join(env.Dir, sep)
		}
		r, reinit, err = repo.InitSeparate(ctx, path, sep, branch)
	} else {
		r, err = repo.Init(ctx, path, bare, branch)
	}
	if err != nil {
		return err
	}
	// As git, a re-init probes the file mode again and writes the core
	// settings anew over what the config says.
	if reinit {
		if err := r.ReinitConfig(bare && workTree == ""); err != nil {
			return err
		}
		if !o.sharedSet {
			// git reads core.sharedRepository of the repository's own
			// config too, and writes it again.
			v, _, _ := r.ConfigGet("core.sharedRepository")
			if _, sharedConfig, err = repo.ParseSharedRepository(v); err != nil {
				return err
			}
		}
	}
	if !reinit && !bare && workTree == "" {
		// git writes core.logallrefupdates only where no config (the
		// global one, -c) sets it.
		if _, ok, _ := cfg.ConfigGet("core.logallrefupdates"); ok {
			if err := r.ConfigUnset("core.logallrefupdates", false); err != nil {
				return err
			}
		}
	}
	if workTree != "" {
		if err := r.ConfigSet("core.bare", "false", false); err != nil {
			return err
		}
		// A repository with a work tree: git's core.logallrefupdates
		// comes before core.worktree, unless some config sets it.
		if _, ok, _ := r.ConfigGet("core.logallrefupdates"); !ok {
			if err := r.ConfigSet("core.logallrefupdates", "true", false); err != nil {
				return err
			}
		}
		if err := r.ConfigSet("core.worktree", workTree, false); err != nil {
			return err
		}
	}
	// As git, also on a re-init: template files the repository lacks
	// come back (into the common directory), existing ones stay.
	if err := copyTemplate(o, cfg, env.Dir, r.GitDir); err != nil {
		return err
	}
	if sharedConfig != "" {
		// git's spellings of the keys, and the setting it adds: a shared
		// repository refuses pushes that are not fast-forwards.
		if err := r.ConfigSet("core.sharedrepository", sharedConfig, false); err != nil {
			return err
		}
		if err := r.ConfigSet("receive.denyNonFastforwards", "true", false); err != nil {
			return err
		}
		if o.sharedSet || !reinit {
			if err := repo.ApplySharedPermissions(r.GitDir, shared); err != nil {
				return err
			}
		}
	}
	if !o.Quiet {
		sharedWord := ""
		if sharedConfig != "" {
			sharedWord = "shared "
		}
		what := "Initialized empty " + sharedWord + "easel repository in %s\n"
		if reinit {
			what = "Reinitialized existing " + sharedWord + "easel repository in %s\n"
		}
		dir := r.GitDir
		if r.WorktreeGitDir != "" {
			dir = r.WorktreeGitDir // a linked work tree's own, as git names it
		}
		fmt.Fprintf(env.IO.Out, what, dir+string(filepath.Separator))
	}
	return nil
}

// checkObjectFormat takes --object-format, else $GIT_DEFAULT_HASH: sha1
// is easel's format; sha256 is refused (easel reads and writes SHA-1 ids
// only, and says so rather than make a repository of another format);
// anything else is no hash git knows.
func checkObjectFormat(flag, env string) error {
	v := flag
	if v == "" {
		v = env
	}
	switch v {
	case "", "sha1":
		return nil
	case "sha256":
		return fmt.Errorf("cannot create a repository with sha256 object ids: easel reads and writes sha1 only: %w", repo.ErrUnsupportedRepository)
	}
	return fmt.Errorf("unknown hash algorithm '%s'", v)
}

// copyTemplate copies git's template directory into a new git directory,
// as git init does: --template, else $GIT_TEMPLATE_DIR, else
// init.templateDir ("~/" is the home directory; a relative one is from
// cwd, the -C directory). Files the repository
// already has are kept.
func copyTemplate(o initOptions, cfg *repo.Repository, cwd, gitDir string) error {
	src := o.Template
	if !o.TemplateSet {
		src = os.Getenv("GIT_TEMPLATE_DIR")
		if src == "" {
			src, _, _ = cfg.ConfigGet("init.templateDir")
		}
	}
	if rest, ok := strings.CutPrefix(src, "~/"); ok {
		home, _ := os.UserHomeDir()
		src = filepath.Join(home, rest)
	}
	if src == "" {
		return nil
	}
	if !filepath.IsAbs(src) {
		src = filepath.Join(cwd, src) // relative to where -C put us
	}
	if fi, err := os.Stat(src); err != nil || !fi.IsDir() {
		return nil // git warns about nothing here either: no templates
	}
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if rel == "." {
			return nil
		}
		dst := filepath.Join(gitDir, rel)
		if _, err := os.Lstat(dst); err == nil {
			return nil
		}
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Mode()&os.ModeSymlink != 0 {
			t, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(t, dst)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, info.Mode().Perm())
	})
}
