#!/bin/bash
# Repack benchmark: easel repack -adf against git repack -adf on copies of
# the same clone of the corpus (../shared/corpus/git-v1.8.4.bundle from the
# module root, or $EASEL_CORPUS; EASEL_BENCH_REPO uses an existing clone,
# copied, never changed). Prints each tool's pack size, wall time, CPU time
# (user+sys: on a loaded machine wall time mostly measures the wait for a
# core) and peak RSS, and easel/git ratios.
# EASEL=path uses a given easel binary instead of building one;
# ARGS overrides the repack options (default -adf).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ARGS=${ARGS:--adf}
if [ -z "${EASEL:-}" ]; then
  (cd "$root" && go build -o "$work/easel" ./cmd/easel)
  EASEL=$work/easel
fi
export GIT_CONFIG_NOSYSTEM=1 HOME=$work
if [ -n "${EASEL_BENCH_REPO:-}" ]; then
  cp -r "$EASEL_BENCH_REPO" "$work/src"
else
  bundle=${EASEL_CORPUS:-$root/../shared/corpus/git-v1.8.4.bundle}
  [ -f "$bundle" ] || { echo "corpus bundle not found at $bundle (set EASEL_CORPUS)" >&2; exit 2; }
  git clone -q --mirror "$bundle" "$work/src"
fi
cp -r "$work/src" "$work/git"
cp -r "$work/src" "$work/easel"

# run <dir> <cmd...>: prints "bytes wall_s cpu_s rss_kib"
run() {
  local dir=$1; shift
  (cd "$dir" && /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >/dev/null 2>&1)
  read -r wall user sys rss <"$work/time"
  local bytes
  bytes=$(cat "$dir"/objects/pack/*.pack "$dir"/.git/objects/pack/*.pack 2>/dev/null | wc -c)
  echo "$bytes $wall $(echo "$user + $sys" | bc) $rss"
}
read -r gb gw gc gr < <(run "$work/git" git repack $ARGS -q)
read -r eb ew ec er < <(run "$work/easel" "$EASEL" repack $ARGS -q)
git -C "$work/easel" fsck --no-dangling >/dev/null 2>&1 || { echo "git fsck fails on easel's repack" >&2; exit 1; }
printf "%-6s %12s %9s %9s %10s\n" tool pack_bytes wall_s cpu_s rss_kib
printf "%-6s %12s %9s %9s %10s\n" git "$gb" "$gw" "$gc" "$gr"
printf "%-6s %12s %9s %9s %10s\n" easel "$eb" "$ew" "$ec" "$er"
printf "%-6s %12.3f %9.3f %9.3f %10.3f\n" ratio "$(echo "$eb/$gb" | bc -l)" "$(echo "$ew/$gw" | bc -l)" "$(echo "$ec/$gc" | bc -l)" "$(echo "$er/$gr" | bc -l)"
