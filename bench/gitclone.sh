#!/usr/bin/env bash
# git clone of a real history (git's own, to v1.8.4: 34k commits, 154k
# objects, from ../shared/corpus or $EASEL_CORPUS) from `easel serve` over
# git's smart HTTP protocol, against git clone of the same repository
# through git's own upload-pack (the file:// transport, which runs
# upload-pack and index-pack as a clone over the network does). Prints the
# times, the ratio easel/git, the bytes of the pack each clone received,
# a no-op fetch's time, and the server's peak memory (VmHWM).
#
#   bench/gitclone.sh            # best of RUNS=1
#   RUNS=3 bench/gitclone.sh
set -euo pipefail
RUNS=${RUNS:-1}
here=$(cd "$(dirname "$0")/.." && pwd)
bundle=${EASEL_CORPUS:-$here/../shared/corpus/git-v1.8.4.bundle}
if [ -d "$bundle" ]; then bundle=$bundle/git-v1.8.4.bundle; fi
if [ ! -f "$bundle" ]; then
  echo "gitclone.sh: no corpus bundle at $bundle (set EASEL_CORPUS)" >&2
  exit 2
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/easel-bench-gitclone.XXXXXX")
srv_pid=
trap 'kill "$srv_pid" 2>/dev/null || true; wait "$srv_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
(cd "$here" && go build -o "$work/easel" ./cmd/easel)
export GIT_CONFIG_NOSYSTEM=1 HOME=$work EASEL_TOKEN= GIT_TERMINAL_PROMPT=0
# The served repository: the bundle as git stores a clone (one pack, its
# deltas), with a main branch at the release.
git clone -q --bare "$bundle" "$work/srv/git.git" 2>/dev/null
git -C "$work/srv/git.git" branch main v1.8.4
git -C "$work/srv/git.git" symbolic-ref HEAD refs/heads/main

"$work/easel" serve --root "$work/srv" --addr 127.0.0.1:0 2>"$work/server.log" &
srv_pid=$!
for _ in $(seq 100); do
  grep -q 'listening on' "$work/server.log" 2>/dev/null && break
  sleep 0.1
done
url=$(sed -n 's/.*listening on \(http:[^,]*\),.*/\1/p' "$work/server.log" | head -1)

secs() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
best() { printf '%s\n' "$@" | sort -g | head -1; }
packbytes() { cat "$1"/objects/pack/*.pack | wc -c; }

easel_t=() git_t=()
for i in $(seq "$RUNS"); do
  rm -rf "$work/e" "$work/g"
  easel_t+=("$(secs git clone -q --bare "$url/git.git" "$work/e")")
  git_t+=("$(secs git clone -q --bare --no-local "file://$work/srv/git.git" "$work/g")")
done
test "$(git -C "$work/e" rev-parse main)" = "$(git -C "$work/g" rev-parse main)"
git -C "$work/e" fsck --connectivity-only >/dev/null 2>&1
te=$(best "${easel_t[@]}") tg=$(best "${git_t[@]}")
noop_e=$(secs git -C "$work/e" fetch -q "$url/git.git" main)
noop_g=$(secs git -C "$work/g" fetch -q "file://$work/srv/git.git" main)
rss=$(awk '/VmHWM/ {print $2}' "/proc/$srv_pid/status")

printf 'clone: easel serve %.2f s, git upload-pack (file://) %.2f s, ratio easel/git %.2f\n' "$te" "$tg" "$(echo "$te / $tg" | bc -l)"
printf 'pack received: easel %d bytes, git %d bytes, ratio %.2f\n' "$(packbytes "$work/e")" "$(packbytes "$work/g")" \
  "$(echo "$(packbytes "$work/e") / $(packbytes "$work/g")" | bc -l)"
printf 'no-op fetch: easel %.3f s, git %.3f s\n' "$noop_e" "$noop_g"
printf 'server peak RSS: %d MB\n' "$((rss / 1024))"
