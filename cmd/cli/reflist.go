package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/pflag"

	"easel.dev/easel/repo"
	"easel.dev/easel/repo/column"
	"easel.dev/easel/repo/pretty"
	"easel.dev/easel/repo/refformat"
)

// refListFlags are the listing options git branch and git tag share
// (git's ref-filter options): filters, --sort, --format, -i, --column.
type refListFlags struct {
	Sort       []string
	IgnoreCase bool
	Format     string
	Column     string
	NoColumn   bool
	Contains   []string
	NoContains []string
	Merged     []string
	NoMerged   []string
	PointsAt   []string
}

func (o *refListFlags) add(f *pflag.FlagSet, what string) {
	f.StringArrayVar(&o.Sort, "sort", nil, "sort by `<key>` (refname, version:refname, -creatordate, objectsize...; the last given first)")
	f.BoolVarP(&o.IgnoreCase, "ignore-case", "i", false, "sorting and filtering ignore case")
	f.StringVar(&o.Format, "format", "", "print each with `<format>` (%(refname:short), %(objectname), %(contents:subject)...)")
	f.StringVar(&o.Column, "column", "", "list in columns (`<style>`: always, never, auto, column, row, plain, dense)")
	f.Lookup("column").NoOptDefVal = "\x00"
	f.BoolVar(&o.NoColumn, "no-column", false, "do not list in columns")
	f.StringArrayVar(&o.Contains, "contains", nil, "list only "+what+" that contain `<commit>` (default HEAD)")
	f.StringArrayVar(&o.NoContains, "no-contains", nil, "list only "+what+" that do not contain `<commit>` (default HEAD)")
	f.StringArrayVar(&o.Merged, "merged", nil, "list only "+what+" whose tips `<commit>` contains (default HEAD)")
	f.StringArrayVar(&o.NoMerged, "no-merged", nil, "list only "+what+" whose tips `<commit>` does not contain (default HEAD)")
	f.StringArrayVar(&o.PointsAt, "points-at", nil, "list only "+what+" naming `<object>` (default HEAD)")
	for _, name := range []string{"contains", "no-contains", "merged", "no-merged", "points-at"} {
		f.Lookup(name).NoOptDefVal = "HEAD"
	}
}

// filtering reports whether a filter option was given (which implies
// listing).
func (o *refListFlags) filtering() bool {
	return len(o.Contains)+len(o.NoContains)+len(o.Merged)+len(o.NoMerged)+len(o.PointsAt) > 0
}

// filter resolves the filter options, with git's messages for names that
// do not resolve (usage errors, as git's option parser gives).
func (o *refListFlags) filter(ctx context.Context, r *repo.Repository, patterns []string) (repo.RefFilter, error) {
	f := repo.RefFilter{Patterns: patterns, IgnoreCase: o.IgnoreCase}
	for _, c := range []struct {
		opt  string
		revs []string
		to   *[]plumbing.Hash
	}{{"contains", o.Contains, &f.Contains}, {"no-contains", o.NoContains, &f.NoContains},
		{"merged", o.Merged, &f.Merged}, {"no-merged", o.NoMerged, &f.NoMerged}, {"points-at", o.PointsAt, &f.PointsAt}} {
		for _, rev := range c.revs {
			h, err := r.ResolveRevision(ctx, rev)
			if err != nil {
				return f, usageErrorLine("malformed object name %s", rev)
			}
			if c.opt != "points-at" {
				cm, err := r.ResolveCommit(ctx, rev)
				if err != nil {
					if c.opt == "merged" || c.opt == "no-merged" {
						return f, usageErrorLine("option `%s' must point to a commit", c.opt)
					}
					return f, usageErrorLine("no such commit %s", rev)
				}
				h = cm
			}
			*c.to = append(*c.to, h)
		}
	}
	return f, nil
}

// refSorter reads the sort keys: <command>.sort's values, then --sort's
// (the last is the primary key), "refname" when there are none.
func (o *refListFlags) sorter(r *repo.Repository, command string) (refformat.Sorter, error) {
	keys, err := r.ConfigGetAll(command + ".sort")
	if err != nil {
		return refformat.Sorter{}, err
	}
	keys = append(keys, o.Sort...)
	if len(keys) == 0 {
		keys = []string{"refname"}
	}
	parsed, err := refformat.ParseSortKeys(keys)
	if err != nil {
		return refformat.Sorter{}, fatalFormat(err)
	}
	suffixes, err := r.ConfigGetAll("versionsort.suffix")
	if err != nil {
		return refformat.Sorter{}, err
	}
	if len(suffixes) == 0 {
		if suffixes, err = r.ConfigGetAll("versionsort.prereleasesuffix"); err != nil {
			return refformat.Sorter{}, err
		}
	}
	return refformat.Sorter{Keys: parsed, IgnoreCase: o.IgnoreCase, Suffixes: suffixes}, nil
}

// columns is the column mode: column.ui, then column.<command>, then
// --column/--no-column.
func (o *refListFlags) columns(r *repo.Repository, command string, changed bool) (column.Mode, error) {
	return columnMode(r, command, o.Column, o.NoColumn, changed)
}

// columnMode is a command's column mode: column.ui, then
// column.<command>, then --column[=<value>] (changed: given; value "\x00":
// without a value) or --no-column.
func columnMode(r *repo.Repository, command, value string, no, changed bool) (column.Mode, error) {
	m := column.Default()
	for _, key := range []string{"column.ui", "column." + command} {
		v, ok, err := r.ConfigGet(key)
		if err != nil {
			return m, err
		}
		if ok {
			if err := m.Apply(v); err != nil {
				return m, fmt.Errorf("invalid column.%s mode %s", strings.TrimPrefix(key, "column."), v)
			}
		}
	}
	switch {
	case no:
		m.Enable = "never"
	case changed:
		m.Enable, m.Cmdline = "always", true
		if value != "\x00" {
			if err := m.Apply(value); err != nil {
				return m, &UsageError{Msg: err.Error()}
			}
		}
	}
	return m, nil
}

// printColumns writes lines laid out as m says, the terminal's width as
// git takes it ($COLUMNS, else 80) less one.
func printColumns(env *Env, lines []string, m column.Mode, padding int) error {
	_, err := fmt.Fprint(env.IO.Out, column.Print(lines, m, pretty.TermColumns()-1, padding))
	return err
}

// printRefLines expands f for each item and prints the lines, in columns
// when cols asks for them (padding between columns as the command's git
// counterpart uses), as branch and tag list refs.
func printRefLines(env *Env, f *refformat.Format, src refformat.Source, items []*refformat.Item, cols column.Mode, padding int) error {
	lines := make([]string, 0, len(items))
	for _, it := range items {
		s, err := f.Expand(src, it)
		if err != nil {
			return fatalFormat(err)
		}
		lines = append(lines, s)
	}
	if cols.Active(env.IO.OutTerminal) {
		return printColumns(env, lines, cols, padding)
	}
	var sb strings.Builder
	for _, l := range lines {
		sb.WriteString(l + "\n")
	}
	_, err := fmt.Fprint(env.IO.Out, sb.String())
	return err
}

// fatalFormat turns a format or sort-key error into git's "fatal: ...".
func fatalFormat(err error) error {
	if errors.Is(err, refformat.ErrFormat) {
		return errors.New(refformat.Message(err))
	}
	return err
}

// errorLine is a message git prints as "error: ..." before its usage
// exit (an option's value it cannot use).
type errorLine string

func (e errorLine) Error() string      { return "error: " + string(e) }
func (e errorLine) PlainMessage() bool { return true }

func usageErrorLine(f string, a ...any) error {
	return &ExitError{Code: ExitUsage, Err: errorLine(fmt.Sprintf(f, a...))}
}
