#!/usr/bin/env bash
# Start-up cost of short commands, easel beside git on a real history: the
# best of RUNS wall times and CPU times (user+sys) of each tool, alternating
# the two, and the ratios easel/git; then the peak RSS of 'branch'. A loaded
# machine stretches the wall clock far more than the CPU a process uses:
# compare CPU there, wall on an idle machine.
#
# The target for a command git finishes in under 20 ms is 10 ms + 2x git's
# time (wall); 'branch' must stay under 40 MB peak RSS on any repository.
# "target" prints that bound and whether easel's best wall time is within.
#
#   bench/startup.sh                        # clone of the corpus bundle
#   REPO=/tmp/gitcorpus RUNS=50 bench/startup.sh
#   EASEL=/path/to/easel bench/startup.sh   # a given binary (e.g. an older one)
#
# easel is built as README.md installs it (CGO_ENABLED=0). Times come from
# perf stat (task-clock, duration_time) when perf works, else from bash's
# time (10 ms CPU resolution).
set -euo pipefail
RUNS=${RUNS:-20}
. "$(dirname "$0")/lib.sh"
bench_setup startup
easel=${EASEL:-$easel}
cd "$repo"

if perf stat -x, -e task-clock,duration_time true >/dev/null 2>&1; then
	# once: "wall_ms cpu_ms" of one run
	once() {
		perf stat -x, -e task-clock,duration_time "$@" 2>&1 >/dev/null |
			awk -F, '/task-clock/ { c = $1 } /duration_time/ { w = $1 / 1e6 } END { printf "%.2f %.2f\n", w, c }'
	}
else
	once() {
		local t0 t1 c
		TIMEFORMAT='%3U %3S'
		t0=$(date +%s%N)
		c=$({ time "$@" >/dev/null 2>&1; } 2>&1 | awk '{ printf "%.2f", ($1 + $2) * 1000 }')
		t1=$(date +%s%N)
		echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e6 }') $c"
	}
fi
# min of a column of numbers
minof() { sort -n | head -1; }

# Fresh index stat data, and each tool's files in the page cache.
git status >/dev/null
"$easel" status >/dev/null

printf '%-16s %8s %8s %6s   %8s %8s %6s   %s\n' command easel-ms git-ms ratio easel-cpu git-cpu ratio "target (wall)"
for c in "rev-parse HEAD" "branch -a" "show -s HEAD~3" "status"; do
	ew=() ec=() gw=() gc=()
	for _ in $(seq "$RUNS"); do
		read -r w cpu < <(once "$easel" $c)
		ew+=("$w") ec+=("$cpu")
		read -r w cpu < <(once git $c)
		gw+=("$w") gc+=("$cpu")
	done
	bew=$(printf '%s\n' "${ew[@]}" | minof) bec=$(printf '%s\n' "${ec[@]}" | minof)
	bgw=$(printf '%s\n' "${gw[@]}" | minof) bgc=$(printf '%s\n' "${gc[@]}" | minof)
	target=$(awk -v e="$bew" -v g="$bgw" 'BEGIN {
		if (g >= 20) { print "- (git over 20 ms)"; exit }
		t = 10 + 2 * g; printf "%.1f ms: %s", t, (e <= t ? "met" : "missed") }')
	printf '%-16s %8.1f %8.1f %6s   %8.1f %8.1f %6s   %s\n' "$c" "$bew" "$bgw" "$(ratio "$bew" "$bgw")" \
		"$bec" "$bgc" "$(ratio "$bec" "$bgc")" "$target"
done

rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
er=0 gr=0
for _ in 1 2 3; do
	r=$(rss "$easel" branch -a); [ "$r" -gt "$er" ] && er=$r
	r=$(rss git branch -a); [ "$r" -gt "$gr" ] && gr=$r
done
printf 'peak RSS of branch -a (KiB, most of 3): easel %s, git %s, ratio %s; target 40 MB: %s\n' "$er" "$gr" \
	"$(ratio "$er" "$gr")" "$([ "$er" -lt 40960 ] && echo met || echo missed)"
