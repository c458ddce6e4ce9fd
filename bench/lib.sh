# Shared set-up of the benchmark scripts that compare easel with git on a
# real history; source it, then call bench_setup NAME.
#
# bench_setup NAME [TOOL...]: builds easel into a temporary directory $work
# (removed on exit) as $easel, and each TOOL (a package under bench/, e.g.
# bench/mergereplay) as $work/<its name>, keeps git's and easel's config out (HOME=$work),
# checks for GNU time, and sets $repo: $REPO when given, else a clone of
# the corpus bundle ($EASEL_CORPUS or ../shared/corpus) checked out on a
# branch main at v1.8.4.
bench_setup() {
  here=$(cd "$(dirname "${BASH_SOURCE[1]}")/.." && pwd)
  work=$(mktemp -d "${TMPDIR:-/tmp}/easel-bench-$1.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  # As README.md installs it: statically linked, no cgo start-up.
  (cd "$here" && CGO_ENABLED=0 go build -o "$work/easel" ./cmd/easel)
  easel=$work/easel
  local tool
  for tool in "${@:2}"; do (cd "$here" && CGO_ENABLED=0 go build -o "$work/${tool##*/}" "./$tool"); done
  # After the build: it needs the real module and build caches.
  export GIT_CONFIG_NOSYSTEM=1 HOME=$work XDG_CONFIG_HOME=$work
  [ -x /usr/bin/time ] || { echo "needs /usr/bin/time (GNU time) for peak RSS" >&2; exit 2; }
  repo=${REPO:-}
  if [ -z "$repo" ]; then
    local bundle=${EASEL_CORPUS:-$here/../shared/corpus/git-v1.8.4.bundle}
    [ -f "$bundle" ] || { echo "no corpus at $bundle (set EASEL_CORPUS or REPO)" >&2; exit 2; }
    git clone -q "$bundle" "$work/repo" 2>/dev/null
    git -C "$work/repo" checkout -q -b main v1.8.4
    repo=$work/repo
  fi
}

# ratio A B: A/B with two decimals, "-" when B is 0.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
