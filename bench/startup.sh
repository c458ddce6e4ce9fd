#!/usr/bin/env bash
# Start-up cost of short commands, easel against git: CPU time (user+sys,
# perf's task-clock, median of RUNS runs alternating the two tools) and
# the ratio easel/git. CPU time rather than wall time, because a loaded
# machine stretches the wall clock but barely the CPU a process uses.
#
#   REPO=/tmp/gitcorpus bench/startup.sh   # any repository with history
#   RUNS=50 REPO=... bench/startup.sh
set -euo pipefail
RUNS=${RUNS:-25}
here=$(cd "$(dirname "$0")/.." && pwd)
repo=${REPO:?set REPO to a repository with at least 100 commits}
command -v perf >/dev/null || { echo "needs perf (perf stat)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/easel-bench-startup.XXXXXX")
trap 'rm -rf "$work"' EXIT
(cd "$here" && go build -o "$work/easel" ./cmd/easel)
export GIT_CONFIG_NOSYSTEM=1 HOME=$work XDG_CONFIG_HOME=$work

cpu() { perf stat -x, -e task-clock "$@" 2>&1 >/dev/null | awk -F, '/task-clock/{print $1}'; }
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

cd "$repo"
printf '%-22s %9s %9s %7s\n' command easel-ms git-ms ratio
for c in "--version" "branch" "rev-parse HEAD" "rev-parse HEAD~100" "show -s"; do
  e=() g=()
  for _ in $(seq "$RUNS"); do
    e+=("$(cpu "$work/easel" $c)")
    g+=("$(cpu git $c)")
  done
  em=$(printf '%s\n' "${e[@]}" | median)
  gm=$(printf '%s\n' "${g[@]}" | median)
  printf '%-22s %9.1f %9.1f %7.2f\n' "$c" "$em" "$gm" "$(echo "$em / $gm" | bc -l)"
done
