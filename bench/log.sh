#!/usr/bin/env bash
# log on a long real history, easel against git: wall time (best of RUNS)
# and peak RSS of each command, and the ratios easel/git. Outputs are
# compared too, so a faster wrong answer does not count.
#
#   bench/log.sh                         # the corpus bundle, cloned to a temporary directory
#   REPO=/path/to/clone bench/log.sh     # any repository (left as it is)
#   RUNS=5 COMMIT_GRAPH=1 bench/log.sh   # also write a commit-graph (both tools then use it)
set -euo pipefail
RUNS=${RUNS:-3}
. "$(dirname "$0")/lib.sh"
bench_setup log
if [ "${COMMIT_GRAPH:-0}" = 1 ]; then
  git -C "$repo" commit-graph write --reachable
fi
echo "repository: $repo ($(git -C "$repo" rev-list --count HEAD) commits)"

# measure TOOL ARGS...: "best_seconds peak_kb" over RUNS runs; output kept in $work/out.TOOL
measure() {
  local tool=$1; shift
  local best= kb=0
  for _ in $(seq "$RUNS"); do
    (cd "$repo" && /usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$work/out.$tool")
    read -r t m <"$work/time"
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
    [ "$m" -gt "$kb" ] && kb=$m
  done
  echo "$best $kb"
}

printf '%-34s %8s %8s %7s %9s %9s %7s %s\n' command git_s easel_s ratio git_MB easel_MB ratio output
for args in "log --oneline" "log --oneline --graph" "log --oneline --graph -n 2000" "log -n 2000" "log --oneline HEAD~3000..HEAD"; do
  read -r gt gm <<<"$(measure git git $args)"
  read -r et em <<<"$(measure easel "$easel" $args)"
  same=identical
  cmp -s "$work/out.git" "$work/out.easel" || same=DIFFERENT
  awk -v a="$args" -v gt="$gt" -v et="$et" -v gm="$gm" -v em="$em" -v s="$same" 'BEGIN{
    printf "%-34s %8.2f %8.2f %7.2f %9.1f %9.1f %7.2f %s\n", a, gt, et, (gt>0?et/gt:0), gm/1024, em/1024, em/gm, s}'
done
