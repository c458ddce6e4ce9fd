#!/usr/bin/env bash
# Measures easel's HTTP remote on a generated repository of about SIZE_MB
# (default 200): push and clone time and peak memory (max RSS from
# /usr/bin/time -v) for the client, the server's peak RSS, and `git clone`
# over git's file transport (`git clone --no-local file://...`, which runs
# upload-pack and index-pack as a network clone does) for comparison.
#
#   bench/remote.sh            # ~200 MB
#   SIZE_MB=50 bench/remote.sh
set -euo pipefail
SIZE_MB=${SIZE_MB:-200}
FILES=${FILES:-2000}
COMMITS=${COMMITS:-4}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/easel-bench-remote.XXXXXX")
trap 'kill "$srv_pid" 2>/dev/null || true; wait "$srv_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
srv_pid=

export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
echo "building easel"
(cd "$here" && go build -o "$work/easel" ./cmd/easel)
easel=$work/easel
export GIT_CONFIG_NOSYSTEM=1 HOME=$work EASEL_TOKEN=

echo "generating a ${SIZE_MB} MB repository ($FILES files of random data, $COMMITS commits)"
git init -q -b main "$work/src"
per_commit=$((FILES / COMMITS))
file_kb=$((SIZE_MB * 1024 / FILES))
n=0
for c in $(seq 1 "$COMMITS"); do
  mkdir -p "$work/src/d$c"
  for i in $(seq 1 "$per_commit"); do
    head -c "${file_kb}K" /dev/urandom >"$work/src/d$c/f$i.bin"
    n=$((n + 1))
  done
  git -C "$work/src" add -A
  git -C "$work/src" commit -q -m "commit $c"
done
git -C "$work/src" gc -q
pack_bytes=$(du -sb "$work/src/.git/objects" | cut -f1)
echo "repository objects: $((pack_bytes / 1048576)) MB"

# measure LABEL CMD...: prints seconds and max RSS (MB) and records them
measure() {
  local label=$1; shift
  /usr/bin/time -v -o "$work/time.$label" "$@" >/dev/null 2>"$work/err.$label" || {
    cat "$work/err.$label" >&2; echo "$label failed" >&2; exit 1; }
  local secs rss
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$work/time.$label")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$work/time.$label")
  eval "secs_$label=$secs rss_$label=$rss"
  printf '%-14s %8.2f s %8.1f MB/s   max RSS %5d MB\n' "$label" "$secs" "$(echo "$pack_bytes / 1048576 / $secs" | bc -l)" "$rss"
}

"$easel" serve --root "$work/srv" --addr 127.0.0.1:0 2>"$work/server.log" &
srv_pid=$!
for _ in $(seq 50); do
  grep -q 'listening on' "$work/server.log" 2>/dev/null && break
  sleep 0.1
done
url=$(sed -n 's/.*listening on \(http:[^,]*\),.*/\1/p' "$work/server.log" | head -1)
echo "server at $url"

git -C "$work/src" remote add origin "$url/big"
(cd "$work/src" && measure easel_push "$easel" push origin main)
measure easel_clone "$easel" clone "$url/big" "$work/clone-easel"
measure git_clone git clone -q --no-local "file://$work/src" "$work/clone-git"
server_rss=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$srv_pid/status")
echo "server peak RSS: $server_rss MB"

git -C "$work/clone-easel" fsck --strict >/dev/null
test "$(git -C "$work/clone-easel" rev-parse HEAD)" = "$(git -C "$work/src" rev-parse HEAD)"
git -C "$work/clone-easel" diff --quiet HEAD
git -C "$work/clone-easel" status --porcelain | (! grep -q .)
echo "clone verified: same HEAD, fsck --strict clean, work tree clean"

printf 'clone time ratio easel/git: %.2f\n' "$(echo "$secs_easel_clone / $secs_git_clone" | bc -l)"
printf 'clone RSS ratio easel/git:  %.2f\n' "$(echo "$rss_easel_clone / $rss_git_clone" | bc -l)"
