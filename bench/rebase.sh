#!/bin/sh
# Rebase benchmark: a branch of $COMMITS commits (each changing one of
# $FILES files in $DIRS directories) is rebased onto a main that moved on
# by one commit elsewhere, so every commit is picked (a three-way merge,
# the index and work tree updated, a commit written) as git's merge
# backend does. Times `git rebase main` against `easel rebase main` on
# identical copies, checks both give the same commits, and prints the
# easel/git ratio (best of $RUNS).
set -eu
COMMITS=${COMMITS:-1000}
FILES=${FILES:-500}
DIRS=${DIRS:-20}
RUNS=${RUNS:-3}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
(cd "$root" && go build -o "$work/easel" ./cmd/easel)
export GIT_CONFIG_NOSYSTEM=1 HOME="$work" GIT_AUTHOR_NAME=A GIT_AUTHOR_EMAIL=a@example.com \
  GIT_COMMITTER_NAME=C GIT_COMMITTER_EMAIL=c@example.com \
  GIT_AUTHOR_DATE='1700000000 +0000' GIT_COMMITTER_DATE='1700000000 +0000'

git init -q -b main "$work/repo"
awk -v commits="$COMMITS" -v files="$FILES" -v dirs="$DIRS" '
function path(i) { return sprintf("d%02d/f%04d.txt", i % dirs, i) }
function content(i, gen,   s, l) {
  s = ""
  for (l = 0; l < 30; l++) s = s sprintf("file %d line %d%s\n", i, l, (l == gen % 30) ? " changed " gen : "")
  return s
}
function emit(ref, msg, mark, from, n, paths, datas,   k) {
  printf "commit %s\nmark :%d\ncommitter C <c@example.com> 1700000000 +0000\n", ref, mark
  printf "data %d\n%s\n", length(msg), msg
  if (from) printf "from :%d\n", from
  for (k = 0; k < n; k++) printf "M 100644 inline %s\ndata %d\n%s\n", paths[k], length(datas[k]), datas[k]
  print ""
}
BEGIN {
  for (i = 0; i < files; i++) { p[i] = path(i); d[i] = content(i, -1) }
  emit("refs/heads/main", "base", 1, 0, files, p, d)
  for (c = 0; c < commits; c++) {
    i = (c * 7) % files
    q[0] = path(i); e[0] = content(i, c)
    emit("refs/heads/topic", "topic commit " c, c + 2, c == 0 ? 1 : c + 1, 1, q, e)
  }
  q[0] = "main-only.txt"; e[0] = "moved on\n"
  emit("refs/heads/main", "main moves on", commits + 2, 1, 1, q, e)
}' | git -C "$work/repo" fast-import --quiet
git -C "$work/repo" checkout -q topic

best() { sort -n | head -1; }
timeit() { # dir command...: seconds for one run
  d=$1; shift
  s=$(date +%s.%N); (cd "$d" && "$@" >/dev/null 2>&1); e=$(date +%s.%N)
  echo "$e - $s" | bc
}
gt=""; et=""
for r in $(seq "$RUNS"); do
  rm -rf "$work/g" "$work/e"
  cp -r "$work/repo" "$work/g"; cp -r "$work/repo" "$work/e"
  gt="$gt $(timeit "$work/g" git rebase main)"
  et="$et $(timeit "$work/e" "$work/easel" rebase main)"
  [ "$(git -C "$work/g" rev-parse HEAD)" = "$(git -C "$work/e" rev-parse HEAD)" ] || { echo "different results" >&2; exit 1; }
done
g=$(for x in $gt; do echo $x; done | best)
e=$(for x in $et; do echo $x; done | best)
echo "rebase of $COMMITS commits ($FILES files): git ${g}s, easel ${e}s, easel/git $(echo "scale=2; $e / $g" | bc)"
