#!/usr/bin/env bash
# Bytes on the wire for a one-line change to a large file: an easel push
# (the push request's body, from the server's request log) against git's
# thin pack for the same commit (`git pack-objects --revs --thin --stdout`,
# what git push sends), and the fetch of that change into a clone that has
# the previous version. Prints the ratios easel/git.
#
#   bench/thinpush.sh            # 20 MB file
#   SIZE_MB=100 bench/thinpush.sh
set -euo pipefail
SIZE_MB=${SIZE_MB:-20}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/easel-bench-thin.XXXXXX")
trap 'kill "$srv_pid" 2>/dev/null || true; wait "$srv_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
srv_pid=

export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
(cd "$here" && go build -o "$work/easel" ./cmd/easel)
easel=$work/easel
export GIT_CONFIG_NOSYSTEM=1 HOME=$work EASEL_TOKEN=

"$easel" serve --root "$work/srv" --addr 127.0.0.1:0 2>"$work/server.log" &
srv_pid=$!
for _ in $(seq 50); do
  grep -q 'listening on' "$work/server.log" 2>/dev/null && break
  sleep 0.1
done
url=$(sed -n 's/.*listening on \(http:[^,]*\),.*/\1/p' "$work/server.log" | head -1)

# last_bytes KEY PATH: the last request log line for PATH, its KEY= value
last_bytes() {
  grep "path=$2 " "$work/server.log" | tail -1 | sed -n "s/.* $1=\([0-9]*\).*/\1/p"
}

git init -q -b main "$work/src"
# Text lines of random hex: compresses about 2:1, as source files do.
head -c $((SIZE_MB * 1024 * 1024 / 2)) /dev/urandom | od -An -tx1 -w32 | tr -d ' ' >"$work/src/big.txt"
git -C "$work/src" add big.txt
git -C "$work/src" commit -q -m "big file"
git -C "$work/src" remote add origin "$url/thin"
(cd "$work/src" && "$easel" push origin main >/dev/null 2>&1)
"$easel" clone "$url/thin" "$work/clone" >/dev/null 2>&1
echo "file: $(($(stat -c %s "$work/src/big.txt") / 1048576)) MB, first push: $(last_bytes bytes_in /thin/push) bytes"

sed -i '1000s/^./X/' "$work/src/big.txt"
git -C "$work/src" commit -q -am "one line"
(cd "$work/src" && "$easel" push origin main >/dev/null 2>&1)
easel_push=$(last_bytes bytes_in /thin/push)
git_thin=$(printf '%s\n^%s\n' "$(git -C "$work/src" rev-parse HEAD)" "$(git -C "$work/src" rev-parse HEAD~1)" |
  git -C "$work/src" pack-objects --revs --thin --stdout -q | wc -c)
(cd "$work/clone" && "$easel" fetch origin >/dev/null 2>&1)
easel_fetch=$(last_bytes bytes /thin/fetch)

git -C "$work/srv/thin" fsck --strict >/dev/null
for p in "$work"/srv/thin/objects/pack/*.idx "$work"/clone/.git/objects/pack/*.idx; do
  git verify-pack "$p"
done
test "$(git -C "$work/clone" rev-parse origin/main)" = "$(git -C "$work/src" rev-parse HEAD)"
git -C "$work/clone" fsck --strict >/dev/null

printf 'one-line change: easel push %d bytes, easel fetch %d bytes, git thin pack %d bytes\n' "$easel_push" "$easel_fetch" "$git_thin"
printf 'push ratio easel/git:  %.2f\n' "$(echo "$easel_push / $git_thin" | bc -l)"
printf 'fetch ratio easel/git: %.2f\n' "$(echo "$easel_fetch / $git_thin" | bc -l)"
