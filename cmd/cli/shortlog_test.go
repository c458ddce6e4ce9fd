package cli

import (
	"testing"
)

// shortlogHistory has several people (some mapped by .mailmap), subjects
// with "[PATCH]" prefixes, leading blanks, several lines and long words to
// wrap, trailers naming people (repeated within a commit), merges and an
// empty message.
const shortlogHistory = `
cat > .mailmap <<'EOF'
Alice Real <alice@example.com> <alice@old.example>
Bob <bob@example.com>
EOF
git add .mailmap
a() { GIT_AUTHOR_NAME="$1" GIT_AUTHOR_EMAIL="$2"; export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL; }
a Alice alice@old.example; c "[PATCH] fix the frobnicator" f
a Alice alice@example.com; c "[PATCH 2/3] teach the frobnicator to count" f
a "Bob Builder" bob@example.com; c "add a very long subject line that goes on and on past the width at which shortlog wraps subjects when asked to" g
a bob bob@example.com; c "   leading blanks in the subject" g
a Carol carol@example.com
t=$((t+1)); echo x > h; git add h; GIT_AUTHOR_DATE="@$((1600000000+t)) +0000" GIT_COMMITTER_DATE="@$((1600000000+t)) +0000" git commit -q -F - <<'EOF'
a subject on
two lines

body text

Signed-off-by: Alice <alice@old.example>
Reviewed-by: Dave <dave@example.com>
Signed-off-by: Bob Builder <bob@example.com>
Signed-off-by: Alice Real <alice@example.com>
Acked-by: not an ident
EOF
git checkout -q -b topic main~2
a Dave dave@example.com; c "topic work" t
t=$((t+1)); echo y > t; git add t; GIT_AUTHOR_DATE="@$((1600000000+t)) +0000" GIT_COMMITTER_DATE="@$((1600000000+t)) +0000" GIT_COMMITTER_NAME=Bob GIT_COMMITTER_EMAIL=bob@example.com git commit -q --allow-empty-message -m ""
git checkout -q main
a Erin erin@example.com; m topic
a Alice alice@example.com; c "[PATCHv2] another one" f
a Zed zed@example.com; c "short" z
`

func TestShortlogMatchesGit(t *testing.T) {
	base := scriptedHistory(t, shortlogHistory)
	twins(t, base, `
for args in "" "-n" "-s" "-sn" "-e" "-sne" "-c" "-cs" "-w" "-w40" "-w40,2" "-w40,2,4" "-w0" "-w,,3" \
	"--group=committer -s" "--group=author --group=committer -sn" \
	"--group=trailer:signed-off-by -sn" "--group=trailer:Signed-off-by --group=trailer:reviewed-by -se" \
	"--group=author --group=trailer:signed-off-by -n" "--group=format:%aN/%cN -s" "--group=%ae -s" "--date=format:%Y%m%d%z --group=format:%ad -s" \
	"--format=%h:%s" "--format=[%an]%s%n%b" "--no-merges" "--merges -s" "--reverse" "-3" "--first-parent -s" \
	"main~3" "^main~3" "-- g h" "--all -sn" "--author=Alice -s" "--no-group --group=committer -s"; do
  echo "== $args"
  $B shortlog $args main </dev/null; echo "rc=$?"
done
echo "== no revision, standard input not a terminal"
$B shortlog -s </dev/null; echo "rc=$?"
$B shortlog --group=trailer:signed-off-by </dev/null; echo "rc=$?"
for args in "" "-s" "-e" "-c -s" "-w30,3,6"; do
  echo "== stdin $args"
  git log --pretty=fuller | $B shortlog $args; echo "rc=$?"
  git log --format=raw | $B shortlog $args; echo "rc=$?"
done
echo "== errors"
$B shortlog --group=bogus 2>&1 </dev/null; echo "rc=$?"
git log | $B shortlog --group=author --group=committer 2>&1; echo "rc=$?"
$B shortlog -w1,2 2>&1 </dev/null | head -1; echo "rc=$?"
`)
}

// TestShortlogCorpusMatchesGit summarizes git's own history from v1.7.0.
func TestShortlogCorpusMatchesGit(t *testing.T) {
	dir := corpusClone(t)
	out := runScript(t, dir, "git", `git log --format=%H -1 --grep='^Git 1\.7\.0$' v1.8.4`)
	v170 := out[:40]
	check := func(args ...string) {
		sameOutput(t, "shortlog "+v170, runEasel(t, dir, append([]string{"shortlog"}, args...)...), runGit(t, dir, "", append([]string{"shortlog"}, args...)...))
	}
	check("-sn", v170+"..v1.8.4")
	check("-e", "-w", v170+"..v1.8.4")
	check("-c", "-s", v170+"..v1.8.4")
	check("--group=trailer:signed-off-by", "-sn", v170+"..v1.8.4")
}
