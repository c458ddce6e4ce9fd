#!/usr/bin/env bash
# Runs every fuzz target in the module for a while each.
#   bench/fuzz.sh [seconds per target] [package pattern]
# e.g. bench/fuzz.sh 60        (one minute each)
#      bench/fuzz.sh 10 remote (only ./remote)
# Failing inputs are written to <pkg>/testdata/fuzz/<Target>/ by go test;
# commit them with the fix so they stay regression tests.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
filter=${2:-}
status=0
while IFS=: read -r file target; do
	pkg=./$(dirname "$file")
	[[ -n $filter && $pkg != *"$filter"* ]] && continue
	echo "== $pkg $target (${secs}s)"
	if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "${secs}s" -fuzzminimizetime 5s -parallel "${FUZZ_PARALLEL:-2}" "$pkg"; then
		status=1
	fi
done < <(grep -rHoE --include='*_test.go' '^func (Fuzz[A-Za-z0-9_]+)\(' . | sed -E 's/^\.\///; s/:func (Fuzz[A-Za-z0-9_]+)\(/:\1/' | sort -u)
exit $status
