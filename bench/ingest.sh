#!/usr/bin/env bash
# What one push costs `easel serve`: CPU seconds (user+sys of the server
# process) and peak memory above the idle server (VmHWM after the push
# minus VmRSS before it), for hand-built hostile packs:
#   delta-bomb   777 bytes: a 64 KiB zeroed blob and 20 deltas, each
#                building 99 MiB from it (2 GB of output)
#   tiny-blobs   200,000 one-line blobs in one tree (EASEL_BENCH_BLOBS)
#   corpus       the git project's history to v1.8.4 as git pack-objects
#                packs it (only where ../shared/corpus or EASEL_CORPUS has it)
# Each push goes to a fresh server on 127.0.0.1.
#
#   bench/ingest.sh                 # this tree's easel
#   EASEL_BIN=/path/to/easel bench/ingest.sh   # another build (an older one)
#   ONLY=tiny-blobs bench/ingest.sh             # one pack
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/easel-bench-ingest.XXXXXX")
srv_pid=
trap '[[ -n $srv_pid ]] && kill "$srv_pid" 2>/dev/null; rm -rf "$work"' EXIT
# git and the server get a home of their own; go keeps the caller's.
export GIT_CONFIG_NOSYSTEM=1 EASEL_TOKEN=

easel=${EASEL_BIN:-}
if [[ -z $easel ]]; then
  echo "building easel"
  (cd "$here" && go build -o "$work/easel" ./cmd/easel)
  easel=$work/easel
fi
echo "writing push bodies"
mkdir -p "$work/bodies"
(cd "$here" && EASEL_BENCH_BODIES="$work/bodies" go test ./remote -run '^TestWriteIngestBenchBodies$' -count=1 >/dev/null)

bundle=${EASEL_CORPUS:-$here/../shared/corpus/git-v1.8.4.bundle}
if [[ -f $bundle && ( -z ${ONLY:-} || ${ONLY:-} == corpus ) ]]; then
  echo "packing the corpus"
  HOME=$work git clone -q --bare "$bundle" "$work/corpus" 2>/dev/null
  tip=$(git -C "$work/corpus" rev-parse 'v1.8.4^{commit}')
  printf '{"updates":[{"ref":"refs/heads/main","old":"%s","new":"%s"}]}\n' 0000000000000000000000000000000000000000 "$tip" >"$work/bodies/corpus.body"
  git -C "$work/corpus" pack-objects --stdout --all -q >>"$work/bodies/corpus.body"
fi

status_kb() { awk -v k="$2:" '$1==k {print $2}' "/proc/$1/status"; }
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
tck=$(getconf CLK_TCK)

printf '%-12s %10s %8s %10s %12s %s\n' pack bytes status cpu_s peak_MB "(above idle)"
for body in "$work"/bodies/*.body; do
  name=$(basename "$body" .body)
  [[ -n ${ONLY:-} && $name != "$ONLY" ]] && continue
  rm -rf "$work/srv"
  HOME=$work "$easel" serve --root "$work/srv" --addr 127.0.0.1:0 2>"$work/server.log" &
  srv_pid=$!
  url=
  for _ in $(seq 100); do
    url=$(grep -o 'http://[0-9.:]*' "$work/server.log" 2>/dev/null | head -1 || true)
    [[ -n $url ]] && break
    sleep 0.1
  done
  [[ -n $url ]] || { cat "$work/server.log" >&2; exit 1; }
  curl -s "$url/healthz" >/dev/null
  idle=$(status_kb "$srv_pid" VmRSS)
  c0=$(cpu_ticks "$srv_pid")
  code=$(curl -s -o "$work/answer" -w '%{http_code}' -H 'Content-Type: application/x-easel-push' --data-binary @"$body" "$url/r/push")
  c1=$(cpu_ticks "$srv_pid")
  hwm=$(status_kb "$srv_pid" VmHWM)
  kill "$srv_pid"; wait "$srv_pid" 2>/dev/null || true; srv_pid=
  printf '%-12s %10d %8s %10.2f %12.1f\n' "$name" "$(stat -c %s "$body")" "$code" "$(echo "($c1 - $c0) / $tck" | bc -l)" "$(echo "($hwm - $idle) / 1024" | bc -l)"
  [[ $code == 2* ]] || echo "             $(head -c 300 "$work/answer")"
done
