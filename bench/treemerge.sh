#!/bin/sh
# Tree merge benchmark: a base of $FILES files in $DIRS directories; each
# side changes $CHANGED files (disjoint sets, or with MODE=samefiles the
# same files in non-overlapping lines, which needs a line merge per file).
# Times git's ort merge (git merge-tree --write-tree) against easel's tree
# merge on the same repository, checks both give the same tree, and prints
# the ratio. Then, when the easel binary has a merge command, times
# `git merge` against `easel merge` in two identical work trees.
set -eu
FILES=${FILES:-5000}
DIRS=${DIRS:-100}
CHANGED=${CHANGED:-1000}
MODE=${MODE:-disjoint}
RUNS=${RUNS:-5}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
(cd "$root" && go build -o "$work/treemerge" ./bench/treemerge)
(cd "$root" && go build -o "$work/easel" ./cmd/easel 2>/dev/null) || echo "(easel binary does not build right now; skipping the merge command comparison)"
export GIT_CONFIG_NOSYSTEM=1 HOME="$work" GIT_AUTHOR_NAME=A GIT_AUTHOR_EMAIL=a@example.com \
  GIT_COMMITTER_NAME=C GIT_COMMITTER_EMAIL=c@example.com \
  GIT_AUTHOR_DATE='1700000000 +0000' GIT_COMMITTER_DATE='1700000000 +0000'

git init -q "$work/repo"
# fast-import stream: base, then ours and theirs from base.
awk -v files="$FILES" -v dirs="$DIRS" -v changed="$CHANGED" -v mode="$MODE" '
function blob(i, tag, side,   s, l) {
  s = ""
  for (l = 0; l < 20; l++) {
    if (side == 1 && l == 2 && tag) s = s "ours change " i "\n"
    else if (side == 2 && l == 17 && tag) s = s "theirs change " i "\n"
    else s = s "file " i " line " l "\n"
  }
  return s
}
function commit(ref, mark, from, side,   i, tag, c) {
  printf "commit %s\nmark :%d\ncommitter C <c@example.com> %d +0000\ndata 2\nc\n", ref, mark, 1700000000 + mark
  if (from) printf "from :%d\n", from
  for (i = 0; i < files; i++) {
    tag = 0
    if (side == 1 && i < changed) tag = 1
    if (side == 2 && mode == "disjoint" && i >= changed && i < 2 * changed) tag = 1
    if (side == 2 && mode != "disjoint" && i < changed) tag = 1
    if (side && !tag) continue
    c = blob(i, tag, side)
    printf "M 100644 inline d%d/f%d.txt\ndata %d\n%s\n", i % dirs, i, length(c), c
  }
  printf "\n"
}
BEGIN {
  commit("refs/heads/main", 1, 0, 0)
  commit("refs/heads/ours", 2, 1, 1)
  commit("refs/heads/theirs", 3, 1, 2)
}' | git -C "$work/repo" fast-import --quiet
git -C "$work/repo" gc -q
ours=$(git -C "$work/repo" rev-parse ours)
theirs=$(git -C "$work/repo" rev-parse theirs)

now() { date +%s%N; }
best() { sort -n | head -1; }

# Both write the merged trees as new loose objects on every run.
fresh() { find "$work/repo/.git/objects" -path '*/objects/??/*' -type f -delete; }
gt=$(for i in $(seq "$RUNS"); do fresh; s=$(now); git -C "$work/repo" merge-tree --write-tree ours theirs >"$work/git.out" || true; e=$(now); echo $(( (e - s) / 1000000 )); done | best)
et=$(for i in $(seq "$RUNS"); do fresh; s=$(now); "$work/treemerge" "$work/repo/.git" "$ours" "$theirs" >"$work/easel.out"; e=$(now); echo $(( (e - s) / 1000000 )); done | best)
gtree=$(head -1 "$work/git.out")
etree=$(cut -d' ' -f1 "$work/easel.out")
echo "tree merge ($MODE, $FILES files, $CHANGED changed per side): git merge-tree ${gt} ms, easel ${et} ms, ratio $(awk "BEGIN{printf \"%.2f\", $et/($gt>0?$gt:1)}")"
if [ "$gtree" != "$etree" ]; then echo "MISMATCH: git $gtree easel $etree"; exit 1; fi
echo "same merged tree: $gtree"

if [ -x "$work/easel" ] && "$work/easel" merge --help >/dev/null 2>&1; then
  gm=0; em=0
  for i in $(seq "$RUNS"); do
    rm -rf "$work/g" "$work/e"
    git clone -q -b ours "$work/repo" "$work/g"; git -C "$work/g" branch -q theirs origin/theirs
    # A second clone, not a copy: a copied work tree has new inodes and
    # times, so its index would be stale and the first command would rehash
    # every file.
    git clone -q -b ours "$work/repo" "$work/e"; git -C "$work/e" branch -q theirs origin/theirs
    s=$(now); git -C "$work/g" merge -q --no-edit theirs >/dev/null 2>&1 || true; e=$(now); t=$(( (e - s) / 1000000 ))
    if [ $gm -eq 0 ] || [ $t -lt $gm ]; then gm=$t; fi
    s=$(now); (cd "$work/e" && "$work/easel" merge theirs >/dev/null 2>&1) || true; e=$(now); t=$(( (e - s) / 1000000 ))
    if [ $em -eq 0 ] || [ $t -lt $em ]; then em=$t; fi
  done
  echo "merge command: git merge ${gm} ms, easel merge ${em} ms, ratio $(awk "BEGIN{printf \"%.2f\", $em/($gm>0?$gm:1)}")"
  g1=$(git -C "$work/g" rev-parse HEAD^{tree}); e1=$(git -C "$work/e" rev-parse HEAD^{tree})
  if [ "$g1" != "$e1" ]; then echo "MISMATCH after merge command: git $g1 easel $e1"; exit 1; fi
  echo "same tree after merge command: $g1"
fi
