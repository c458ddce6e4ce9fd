package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain lets the test binary stand for easel itself when
// EASEL_TEST_MAIN is set: bisect runs easel's checkout and log as commands
// of their own, as git runs its own, and the differential tests below run
// easel as git is run, from shell scripts.
func TestMain(m *testing.M) {
	if os.Getenv("EASEL_TEST_MAIN") == "1" {
		os.Exit(Main())
	}
	os.Exit(m.Run())
}

// easelWrapper writes a script that runs this test binary as easel.
func easelWrapper(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "easel")
	script := "#!/bin/sh\nEASEL_TEST_MAIN=1 exec '" + self + "' \"$@\"\n"
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// pinnedEnv is the environment of the twin runs: no user or system
// configuration, fixed identities.
func pinnedEnv(home string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GIT_") || strings.HasPrefix(kv, "EASEL_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "GIT_CONFIG_NOSYSTEM=1", "HOME="+home, "XDG_CONFIG_HOME="+home, "LC_ALL=C",
		"GIT_AUTHOR_NAME=A U Thor", "GIT_AUTHOR_EMAIL=author@example.com",
		"GIT_COMMITTER_NAME=C O Mitter", "GIT_COMMITTER_EMAIL=committer@example.com")
}

// runScript runs a bash script in dir, B naming the tool.
func runScript(t *testing.T, dir, tool, script string) string {
	t.Helper()
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(pinnedEnv(dir), "B="+tool)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", tool, err, out)
	}
	return string(out)
}

// copyTree copies a repository (work tree and .git) for a twin.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	if out, err := exec.Command("cp", "-a", from, to).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v: %s", err, out)
	}
}

// twins runs script on two copies of base, with git and with easel, and
// requires the same output (the scripts print the state files too).
func twins(t *testing.T, base, script string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	easel := easelWrapper(t)
	root := t.TempDir()
	g, e := filepath.Join(root, "g"), filepath.Join(root, "e")
	copyTree(t, base, g)
	copyTree(t, base, e)
	want := runScript(t, g, "git", script)
	got := runScript(t, e, easel, script)
	sameOutput(t, "script", got, want)
}

// scriptedHistory makes a repository with the history the shell script
// writes (commit dates fixed by the script).
func scriptedHistory(t *testing.T, script string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := filepath.Join(t.TempDir(), "base")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	prelude := `set -e
git init -q -b main .
t=0
c() { t=$((t+1)); echo "$1" > "${2:-f}"; git add -A; GIT_AUTHOR_DATE="@$((1600000000+t)) +0000" GIT_COMMITTER_DATE="@$((1600000000+t)) +0000" git commit -qm "$1"; }
m() { t=$((t+1)); GIT_AUTHOR_DATE="@$((1600000000+t)) +0000" GIT_COMMITTER_DATE="@$((1600000000+t)) +0000" git merge -q --no-ff -m "merge $1" "$1"; }
`
	runScript(t, dir, "git", prelude+script)
	return dir
}

const linearHistory = `for i in $(seq 1 40); do c $i; done`

// mergeHistory has side branches merged into main, each side touching its
// own file, and commits with equal dates (the walk's order among equals).
const mergeHistory = `
for i in 1 2 3 4 5 6; do
  c "main$i" f
  git checkout -q -b side$i
  for j in 1 2 3; do c "side$i-$j" s$i; done
  git checkout -q main
  c "main$i-b" g
  m side$i
done
git checkout -q -b late main~3
c late1 l; c late2 l
git checkout -q main
m late
c "introduce" h
for i in 1 2 3 4 5; do c "after$i" f; done
`

// bisectState prints what a bisection keeps, for the twins to compare.
const bisectState = `
for f in BISECT_START BISECT_TERMS BISECT_NAMES BISECT_EXPECTED_REV BISECT_HEAD BISECT_FIRST_PARENT BISECT_ANCESTORS_OK BISECT_LOG; do
  if test -f .git/$f; then echo "== $f"; cat .git/$f; fi
done
git for-each-ref refs/bisect
git rev-parse HEAD
`

func TestBisectRunMatchesGitLinear(t *testing.T) {
	base := scriptedHistory(t, linearHistory)
	twins(t, base, `
cat > ../pred.sh <<'EOF'
#!/bin/sh
test "$(cat f)" -lt 23
EOF
chmod +x ../pred.sh
$B bisect start HEAD HEAD~39; echo rc=$?
`+bisectState+`
$B bisect run ../pred.sh; echo rc=$?
`+bisectState+`
$B bisect reset; echo rc=$?
git status | head -1
`)
}

// TestBisectSkipsMatchGit drives bisections on merges with a predicate
// that skips about half the commits: every commit chosen (skip_away's
// pseudo-random neighbours included) and the end must be git's.
func TestBisectSkipsMatchGit(t *testing.T) {
	base := scriptedHistory(t, mergeHistory)
	twins(t, base, `
X=$(git rev-parse side3~1)
cat > ../pred.sh <<EOF
#!/bin/sh
h=\$(git rev-parse \${REV:-HEAD})
case "\$h" in *[0-7]) exit 125;; esac
if git merge-base --is-ancestor $X \$h; then exit 1; fi
exit 0
EOF
chmod +x ../pred.sh
$B bisect start main main~20; echo rc=$?
$B bisect run ../pred.sh; echo rc=$?
`+bisectState+`
$B bisect reset; echo rc=$?
echo ==== no-checkout, first parent
$B bisect start --no-checkout --first-parent main main~20; echo rc=$?
`+bisectState+`
$B bisect run sh -c 'REV=BISECT_HEAD ../pred.sh'; echo rc=$?
`+bisectState+`
$B bisect reset; echo rc=$?
echo ==== terms, skipped ranges, replay
$B bisect start --term-new=broken --term-old=fine; echo rc=$?
$B bisect broken main; echo rc=$?
$B bisect fine main~20; echo rc=$?
$B bisect terms; $B bisect terms --term-good; $B bisect terms --term-bad
$B bisect skip main~5..main~2 main~10; echo rc=$?
$B bisect bad; echo rc=$?
$B bisect skip; echo rc=$?
$B bisect skip; echo rc=$?
$B bisect broken; echo rc=$?
$B bisect fine; echo rc=$?
`+bisectState+`
$B bisect log > ../replay.log
$B bisect reset; echo rc=$?
$B bisect replay ../replay.log; echo rc=$?
`+bisectState+`
$B bisect visualize --oneline; echo rc=$?
$B bisect reset main; echo rc=$?
echo ==== paths
$B bisect start main main~20 -- s3 s4; echo rc=$?
`+bisectState+`
$B bisect good; echo rc=$?
$B bisect bad; echo rc=$?
$B bisect bad; echo rc=$?
$B bisect good; echo rc=$?
`+bisectState+`
$B bisect reset; echo rc=$?
$B bisect reset; echo rc=$?
$B bisect log; echo rc=$?
echo ==== good not an ancestor of bad
$B bisect start side4 side5; echo rc=$?
`+bisectState+`
$B bisect good; echo rc=$?
`+bisectState+`
$B bisect reset; echo rc=$?
`)
}

// TestBisectRunCorpusMatchesGit bisects git's own history from v1.8.0 to
// v1.8.4 on the version in GIT-VERSION-GEN, skipping a sixteenth of the
// commits, with git and with easel: every step must be the same.
func TestBisectRunCorpusMatchesGit(t *testing.T) {
	if testing.Short() {
		t.Skip("bisects the corpus")
	}
	base := corpusClone(t)
	twins(t, base, `
v180=$(git log --format=%H -1 --grep='^Git 1\.8\.0$' v1.8.4)
cat > ../pred.sh <<'EOF'
#!/bin/sh
case "$(git rev-parse HEAD)" in *7) exit 125;; esac
if grep -q 'DEF_VER=v1.8.[34]' GIT-VERSION-GEN; then exit 1; fi
exit 0
EOF
chmod +x ../pred.sh
$B bisect start v1.8.4 $v180; echo rc=$?
$B bisect run ../pred.sh; echo rc=$?
`+bisectState+`
$B bisect reset; echo rc=$?
`)
}

// TestBisectWeights checks find_bisection's choice against git rev-list
// --bisect on every commit of a merge-heavy history as the bad one.
func TestBisectFirstStepMatchesGit(t *testing.T) {
	base := scriptedHistory(t, mergeHistory+`
git checkout -q -b odd main~8
c odd1 o; c odd2 o
git checkout -q main
m odd
`)
	twins(t, base, `
for bad in $(git rev-list main | head -30); do
  for good in main~25 side2 "side1 side4~1"; do
    $B bisect start $bad $good >/dev/null 2>&1
    echo "$bad $good: $(cat .git/BISECT_EXPECTED_REV 2>/dev/null) $(git rev-parse HEAD)"
    $B bisect reset >/dev/null 2>&1
  done
done
`)
}
