#!/bin/bash
# Merge replay on real history: the two parents of $MERGES merges spread
# over the corpus (two-parent merges only) are merged again by git's ort
# merge (git merge-tree --write-tree, one process per merge) and by easel's
# merge engine (bench/mergereplay, one process per merge too, so both pay
# their start-up), and the merged trees and clean flags are compared.
# Prints wall and CPU totals and their ratios; REPO= uses an existing clone.
set -eu
source "$(dirname "$0")/lib.sh"
bench_setup mergereplay bench/mergereplay
MERGES=${MERGES:-257}
git -C "$repo" rev-list --merges --max-parents=2 HEAD >"$work/all"
total=$(wc -l <"$work/all")
step=$(( total / MERGES )); [ "$step" -ge 1 ] || step=1
awk -v s="$step" -v n="$MERGES" 'NR % s == 0 && c < n { print; c++ }' "$work/all" |
  while read -r m; do echo "$(git -C "$repo" rev-parse "$m^1") $(git -C "$repo" rev-parse "$m^2")"; done >"$work/pairs"
count=$(wc -l <"$work/pairs")

cat >"$work/git.sh" <<'SH'
while read -r a b; do
  t=$(git merge-tree --write-tree --no-messages --allow-unrelated-histories "$a" "$b") && c=true || c=false
  echo "${t%%$'\n'*} $c"
done
SH
cat >"$work/easel.sh" <<SH
while read -r a b; do "$work/mergereplay" . "\$a" "\$b" 2>/dev/null; done
SH
# The merged objects are written as loose objects; remove them between runs
# so every run writes them.
fresh() { git -C "$repo" prune --expire=now >/dev/null 2>&1 || true; }
run() { # tool -> "wall_ms cpu_ms"
  fresh
  /usr/bin/time -f "%e %U %S" -o "$work/t" bash -c "cd '$repo' && bash '$work/$1.sh' <'$work/pairs' >'$work/$1.out'"
  awk '{ printf "%d %d\n", $1 * 1000, ($2 + $3) * 1000 }' "$work/t"
}
best() { sort -n -k"$1" | head -1 | cut -d' ' -f"$1"; }
RUNS=${RUNS:-3}
for i in $(seq "$RUNS"); do run git; done >"$work/git.times"
for i in $(seq "$RUNS"); do run easel; done >"$work/easel.times"
gw=$(best 1 <"$work/git.times"); gc=$(best 2 <"$work/git.times")
ew=$(best 1 <"$work/easel.times"); ec=$(best 2 <"$work/easel.times")
echo "replayed $count merges of $total: wall git ${gw} ms, easel ${ew} ms, ratio $(ratio "$ew" "$gw"); CPU git ${gc} ms, easel ${ec} ms, ratio $(ratio "$ec" "$gc")"
conflicts=$(grep -c ' false$' "$work/git.out" || true)
if ! cmp -s "$work/git.out" "$work/easel.out"; then
  echo "MISMATCH: merged trees differ from git's:"; diff "$work/git.out" "$work/easel.out" | head; exit 1
fi
echo "all $count merged trees and clean flags equal git's ($conflicts with conflicts)"
(cd "$repo" && "$work/mergereplay" . <"$work/pairs" >/dev/null) 2>&1 | sed 's/^/in one process: /'
