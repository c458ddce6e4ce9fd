#!/usr/bin/env bash
# fsck, fsck --connectivity-only and commit-graph write on a long real
# history, easel against git: wall time and peak RSS of each, and the
# ratios easel/git. Findings (and commit-graph bytes) are compared too, so
# a faster wrong answer does not count.
#
#   bench/fsck.sh                         # the corpus bundle, cloned to a temporary directory
#   REPO=/path/to/clone bench/fsck.sh     # any repository (left as it is, but for commit-graph files)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bench_setup fsck
cd "$repo"

# measure NAME CMD...: prints seconds and peak KiB, keeps stdout in $work/NAME.out
measure() {
  local name=$1; shift
  /usr/bin/time -f '%e %M' -o "$work/$name.time" "$@" > "$work/$name.out" 2> "$work/$name.err" || true
  cat "$work/$name.time"
}

row() {
  local label=$1 g e
  read -r gs gk <<< "$2"
  read -r es ek <<< "$3"
  printf '%-28s git %7.2fs %7d KiB   easel %7.2fs %7d KiB   time %sx  rss %sx\n' "$label" "$gs" "$gk" "$es" "$ek" "$(ratio "$es" "$gs")" "$(ratio "$ek" "$gk")"
}

g=$(measure git-fsck git fsck); e=$(measure easel-fsck "$easel" fsck)
row "fsck" "$g" "$e"
cmp <(sort "$work/git-fsck.out") <(sort "$work/easel-fsck.out") || { echo "fsck findings differ" >&2; exit 1; }
g=$(measure git-conn git fsck --connectivity-only); e=$(measure easel-conn "$easel" fsck --connectivity-only)
row "fsck --connectivity-only" "$g" "$e"
cmp <(sort "$work/git-conn.out") <(sort "$work/easel-conn.out") || { echo "connectivity findings differ" >&2; exit 1; }
g=$(measure git-cg git commit-graph write --reachable); cp .git/objects/info/commit-graph "$work/git.graph"
e=$(measure easel-cg "$easel" commit-graph write --reachable)
row "commit-graph write" "$g" "$e"
cmp "$work/git.graph" .git/objects/info/commit-graph || { echo "commit-graph files differ" >&2; exit 1; }
