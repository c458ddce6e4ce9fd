#!/usr/bin/env bash
# add and status with `* text=auto` on 10,000 files, easel against git:
# twin work trees (a tenth of the files with CRLF line endings, so that
# the conversion has work to do), wall time of `add -A` into an empty
# index, of a clean `status`, and of a `status` after every file's stat
# data changed (each file read and converted again), median of RUNS runs
# each after one untimed run, and the ratio easel/git.
#
#   bench/textauto.sh             # 10000 files, 5 runs
#   FILES=20000 RUNS=7 bench/textauto.sh
set -euo pipefail
FILES=${FILES:-10000}
RUNS=${RUNS:-5}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/easel-bench-textauto.XXXXXX")
trap 'rm -rf "$work"' EXIT
# As README.md installs it: statically linked, no cgo start-up.
(cd "$here" && CGO_ENABLED=0 go build -o "$work/easel" ./cmd/easel)
export GIT_CONFIG_NOSYSTEM=1 HOME=$work XDG_CONFIG_HOME=$work
export GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@example.com GIT_COMMITTER_NAME=b GIT_COMMITTER_EMAIL=b@example.com

make_tree() {
  mkdir -p "$1" && cd "$1" && git init -q
  echo '* text=auto' > .gitattributes
  awk -v n="$FILES" 'BEGIN {
    for (i = 0; i < n; i++) {
      f = sprintf("d%02d/f%05d.txt", i % 100, i)
      if (i < 100) system("mkdir -p d" sprintf("%02d", i))
      eol = (i % 10 == 0) ? "\r\n" : "\n"
      for (l = 0; l < 40; l++) printf "line %d of file %d%s", l, i, eol > f
      close(f)
    }
  }'
  cd - >/dev/null
}
make_tree "$work/g"
make_tree "$work/e"

ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

run() { # name, then the command with TOOL and DIR placeholders
  local name=$1 eset=() gset=()
  shift
  # One untimed run of each first: both tools' files and the work tree's
  # metadata in the caches before anything is timed.
  bench_one git "$work/g" "$@" >/dev/null
  bench_one "$work/easel" "$work/e" "$@" >/dev/null
  for _ in $(seq "$RUNS"); do
    gset+=("$(bench_one git "$work/g" "$@")")
    eset+=("$(bench_one "$work/easel" "$work/e" "$@")")
  done
  local em gm
  em=$(printf '%s\n' "${eset[@]}" | median)
  gm=$(printf '%s\n' "${gset[@]}" | median)
  printf '%-26s %9d %9d %7.2f\n' "$name" "$em" "$gm" "$(echo "$em / $gm" | bc -l)"
}
bench_one() { local tool=$1 dir=$2; shift 2; (cd "$dir" && "$@" "$tool"); }

add_fresh() { rm -f .git/index; ms "$1" add -A; }
status_clean() { ms "$1" status --porcelain; }
status_touched() { find . -name '*.txt' -print0 | xargs -0 touch -d "2001-01-01 00:00:0$((RANDOM % 10))"; ms "$1" status --porcelain; }

printf '%-26s %9s %9s %7s\n' "text=auto, $FILES files" easel-ms git-ms ratio
run "add -A (empty index)" add_fresh
(cd "$work/g" && git add -A && git commit -qm one)
(cd "$work/e" && git add -A && git commit -qm one)
run "status (clean)" status_clean
run "status (all stat-dirty)" status_touched
