#!/bin/bash
# Real-scale benchmark: easel and git side by side on a real history.
# The repository is a clone of the corpus bundle ($EASEL_CORPUS, default
# ../shared/corpus/git-v1.8.4.bundle from the module root) made in a
# temporary directory, or EASEL_BENCH_REPO (any existing clone, used in
# place, read only). Prints, per command, the best of $RUNS wall times of
# each tool and their ratio, the best CPU times (user+sys: on a loaded
# machine the wall time mostly measures the wait for a core) and their
# ratio, and the peak RSS (KiB) of one run.
# EASEL=path uses a given easel binary instead of building one. ONLY=regex
# runs only the commands whose names match (e.g. ONLY='status|oneline').
set -eu
RUNS=${RUNS:-5}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
if [ -z "${EASEL:-}" ]; then
  (cd "$root" && go build -o "$work/easel" ./cmd/easel)
  EASEL=$work/easel
fi
export GIT_CONFIG_NOSYSTEM=1 HOME=$work
if [ -n "${EASEL_BENCH_REPO:-}" ]; then
  repo=$EASEL_BENCH_REPO
else
  bundle=${EASEL_CORPUS:-$root/../shared/corpus/git-v1.8.4.bundle}
  [ -f "$bundle" ] || { echo "corpus bundle not found at $bundle (set EASEL_CORPUS)" >&2; exit 2; }
  git clone -q "$bundle" "$work/repo" 2>/dev/null
  git -C "$work/repo" checkout -q -b main v1.8.4
  repo=$work/repo
fi
cd "$repo"
git status --short >/dev/null # fresh index stat data for both tools

# best wall and CPU (user+sys) times in microseconds of RUNS runs of "$@"
best() {
  local bw="" bc="" t0 t1 d c i
  TIMEFORMAT='%3U %3S'
  for i in $(seq "$RUNS"); do
    t0=$(date +%s%N)
    c=$( { time "$@" >/dev/null 2>&1; } 2>&1 | awk '{printf "%d", ($1+$2)*1000000}')
    t1=$(date +%s%N)
    d=$(( (t1 - t0) / 1000 ))
    if [ -z "$bw" ] || [ "$d" -lt "$bw" ]; then bw=$d; fi
    if [ -z "$bc" ] || [ "$c" -lt "$bc" ]; then bc=$c; fi
  done
  echo "$bw $bc"
}
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
ms() { echo "scale=1; $1/1000" | bc; }
ratio() { if [ "$2" -gt 0 ]; then echo "scale=2; $1/$2" | bc; else echo "-"; fi; }

printf '%-30s %9s %9s %6s %9s %9s %6s %9s %9s\n' command easel_ms git_ms ratio easel_cpu git_cpu ratio easel_KiB git_KiB
run() {
  local name=$1; shift
  local e g
  if [ -n "${ONLY:-}" ] && ! [[ $name =~ $ONLY ]]; then return; fi
  e=($(best "$EASEL" "$@"))
  g=($(best git "$@"))
  printf '%-30s %9s %9s %6s %9s %9s %6s %9s %9s\n' "$name" "$(ms ${e[0]})" "$(ms ${g[0]})" "$(ratio ${e[0]} ${g[0]})" \
    "$(ms ${e[1]})" "$(ms ${g[1]})" "$(ratio ${e[1]} ${g[1]})" "$(rss "$EASEL" "$@")" "$(rss git "$@")"
}
run "branch -a" branch -a
run "show -s HEAD~3" show -s HEAD~3
run "rev-parse HEAD~100" rev-parse HEAD~100
run "status (clean)" status
run "log --oneline (all history)" log --oneline
run "log -n 1000 --stat" log -n 1000 --stat
# The bundle's only ref is v1.8.4: find the older release by its commit.
old=$(git rev-parse -q --verify v1.8.0^{commit} || git log --format=%H --grep='^Git 1.8.0$' -1 v1.8.4)
new=$(git rev-parse v1.8.4^{commit})
run "diff --stat v1.8.0 v1.8.4" diff --stat "$old" "$new"
