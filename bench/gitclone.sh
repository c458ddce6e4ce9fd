#!/usr/bin/env bash
# git clone of a real history (git's own, to v1.8.4: 34k commits, 154k
# objects, from ../shared/corpus or $EASEL_CORPUS) from `easel serve` over
# git's smart HTTP protocol, against git clone of the same repository from
# git's own server over the same protocol (git http-backend run as CGI by
# bench/githttpbackend) and through the file:// transport (upload-pack and
# index-pack as a clone over the network runs them). Prints the wall
# times and ratios, each server's CPU time for the clone (easel serve's
# own; git's: every process http-backend ran), the bytes of the pack each
# clone received, a no-op fetch's time, and each server's peak memory
# (easel serve's VmHWM; git's largest process).
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
(cd "$here" && go build -o "$work/easel" ./cmd/easel && go build -o "$work/githttpbackend" ./bench/githttpbackend)
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
"$work/githttpbackend" -root "$work/srv" 2>"$work/backend.log" &
gb_pid=$!
trap 'kill "$srv_pid" "$gb_pid" 2>/dev/null || true; wait "$srv_pid" "$gb_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do
  grep -q 'listening on' "$work/backend.log" 2>/dev/null && break
  sleep 0.1
done
gburl=$(sed -n 's/.*listening on \(http:[^,]*\),.*/\1/p' "$work/backend.log" | head -1)
tck=$(getconf CLK_TCK)
# cpu PID: seconds of CPU the process and the children it waited for used.
cpu() { awk -v t="$tck" '{print ($14 + $15 + $16 + $17) / t}' "/proc/$1/stat"; }

secs() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
best() { printf '%s\n' "$@" | sort -g | head -1; }
packbytes() { cat "$1"/objects/pack/*.pack | wc -c; }

easel_t=() git_t=() http_t=() easel_c=() http_c=()
for i in $(seq "$RUNS"); do
  rm -rf "$work/e" "$work/g" "$work/h"
  c0=$(cpu "$srv_pid")
  easel_t+=("$(secs git clone -q --bare "$url/git.git" "$work/e")")
  easel_c+=("$(echo "$(cpu "$srv_pid") - $c0" | bc -l)")
  c0=$(cpu "$gb_pid")
  http_t+=("$(secs git clone -q --bare "$gburl/git.git" "$work/h")")
  http_c+=("$(echo "$(cpu "$gb_pid") - $c0" | bc -l)")
  git_t+=("$(secs git clone -q --bare --no-local "file://$work/srv/git.git" "$work/g")")
done
test "$(git -C "$work/e" rev-parse main)" = "$(git -C "$work/g" rev-parse main)"
test "$(git -C "$work/h" rev-parse main)" = "$(git -C "$work/g" rev-parse main)"
git -C "$work/e" fsck --connectivity-only >/dev/null 2>&1
te=$(best "${easel_t[@]}") tg=$(best "${git_t[@]}") th=$(best "${http_t[@]}")
ce=$(best "${easel_c[@]}") ch=$(best "${http_c[@]}")
noop_e=$(secs git -C "$work/e" fetch -q "$url/git.git" main)
noop_g=$(secs git -C "$work/g" fetch -q "file://$work/srv/git.git" main)
rss=$(awk '/VmHWM/ {print $2}' "/proc/$srv_pid/status")
grss=$(sed -n 's/^children maxrss \([0-9]*\) KB/\1/p' "$work/backend.log" | sort -n | tail -1)

printf 'clone: easel serve %.2f s, git http-backend %.2f s, ratio easel/git %.2f (git upload-pack file:// %.2f s, ratio %.2f)\n' \
  "$te" "$th" "$(echo "$te / $th" | bc -l)" "$tg" "$(echo "$te / $tg" | bc -l)"
printf 'server CPU for the clone: easel serve %.2f s, git http-backend %.2f s, ratio %.2f\n' "$ce" "$ch" "$(echo "$ce / $ch" | bc -l)"
# The first clone walks; later ones of the same state are answered from
# the pack (remote/clonememo.go), so every run is shown.
printf 'server CPU per run: easel serve %s s; git http-backend %s s\n' "$(printf '%.2f ' "${easel_c[@]}")" "$(printf '%.2f ' "${http_c[@]}")"
printf 'pack received: easel %d bytes, git %d bytes, ratio %.2f\n' "$(packbytes "$work/e")" "$(packbytes "$work/h")" \
  "$(echo "$(packbytes "$work/e") / $(packbytes "$work/h")" | bc -l)"
printf 'no-op fetch: easel %.3f s, git %.3f s\n' "$noop_e" "$noop_g"
printf 'server peak RSS: easel serve %d MB, git (largest process) %d MB\n' "$((rss / 1024))" "$((grss / 1024))"
