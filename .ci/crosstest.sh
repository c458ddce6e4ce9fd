#!/usr/bin/env bash
# Runs the tests of easel's packages built for other platforms on this Linux
# amd64 machine: windows/amd64 under wine, linux/arm64 under qemu-user.
# Prints one line per package and platform (tests passed, skipped, failed)
# and exits non-zero when a test fails or a test binary dies.
#
#   .ci/crosstest.sh [--install] [-p windows|arm64]... [package...]
#
# --install installs what is missing with apt-get (wine64, qemu-user-static,
# and the MinGW compiler for the DLL below). Packages default to every
# package with tests but cmd/cli and cmd/easel (too slow emulated).
#
# Under wine there is no Windows git: the tests that use git as the oracle
# skip. Under qemu the test binary runs the host's git, so they run.
#
# Two gaps of Debian's wine 8 are bridged. Go's runtime needs
# bcryptprimitives.dll (ProcessPrng), which it lacks: the script builds a
# stand-in that fills with RtlGenRandom into its own wine prefix
# ($EASEL_WINEPREFIX, default ~/.cache/easel-wine). And wine fails the
# POSIX-semantics delete (FileDispositionInformationEx) that os.RemoveAll
# uses with "Invalid function" where Windows 10 and later have it, failing
# every test's temporary-directory cleanup: the Windows test binaries are
# built with an overlay of Go's internal/syscall/windows/at_windows.go that
# takes Go's own fallback for older Windows on that status too.
set -uo pipefail
cd "$(dirname "$0")/.."

install=
platforms=()
pkgs=()
while [ $# -gt 0 ]; do
	case $1 in
	--install) install=1 ;;
	-p) platforms+=("$2"); shift ;;
	-h | --help) sed -n '2,/^set /{/^#/p}' "$0"; exit 0 ;;
	*) pkgs+=("${1#./}") ;;
	esac
	shift
done
[ ${#platforms[@]} -gt 0 ] || platforms=(windows arm64)
if [ ${#pkgs[@]} -eq 0 ]; then
	mapfile -t pkgs < <(go list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}' ./... |
		sed 's|^easel.dev/easel/||' | grep -v -e '^bench' -e '^cmd/')
fi
timeout=${EASEL_CROSSTEST_TIMEOUT:-20m}
winflags=()
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

need() { # need command apt-package
	command -v "$1" >/dev/null && return 0
	if [ -n "$install" ]; then
		timeout 600 sh -c "DEBIAN_FRONTEND=noninteractive apt-get install -y -q $2 >/dev/null 2>&1 ||
			{ apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $2 >/dev/null 2>&1; }"
	fi
	command -v "$1" >/dev/null || { echo "$1 not found (apt-get install $2, or run with --install)" >&2; return 1; }
}

setup_windows() {
	need wine wine64 || return 1
	export WINEDEBUG=-all WINEPREFIX=${EASEL_WINEPREFIX:-${XDG_CACHE_HOME:-$HOME/.cache}/easel-wine}
	local sys=$WINEPREFIX/drive_c/windows/system32
	[ -d "$sys" ] || wine cmd /c exit >/dev/null 2>&1
	if [ ! -f "$sys/bcryptprimitives.dll" ]; then
		need x86_64-w64-mingw32-gcc gcc-mingw-w64-x86-64-win32 || return 1
		cat >"$work/bcp.c" <<-'EOF'
			#include <windows.h>
			BOOLEAN WINAPI SystemFunction036(PVOID, ULONG);
			__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE p, SIZE_T n) {
				for (; n > 0;) {
					ULONG k = n > 0x10000000 ? 0x10000000 : (ULONG)n;
					if (!SystemFunction036(p, k)) return FALSE;
					p += k; n -= k;
				}
				return TRUE;
			}
		EOF
		x86_64-w64-mingw32-gcc -shared -O2 -o "$sys/bcryptprimitives.dll" "$work/bcp.c" -ladvapi32 || return 1
	fi
	local at
	at=$(go env GOROOT)/src/internal/syscall/windows/at_windows.go
	if grep -q '^	case STATUS_INVALID_INFO_CLASS, ' "$at"; then
		sed 's|^	case STATUS_INVALID_INFO_CLASS, .*|	case NTStatus(0xC0000002): // STATUS_NOT_IMPLEMENTED: wine\n		return deleteatFallback(h)\n&|' "$at" >"$work/at_windows.go"
		printf '{"Replace":{"%s":"%s"}}' "$at" "$work/at_windows.go" >"$work/overlay.json"
		winflags=(-overlay "$work/overlay.json")
	else
		echo "warning: $at not as expected: temporary directories will not be removed under wine" >&2
	fi
}

setup_arm64() {
	need qemu-aarch64-static qemu-user-static
}

# run platform package: builds the test binary, runs it in the package's
# directory as go test does, and appends a summary line.
run() {
	local plat=$1 pkg=$2 name exe log
	name=$(echo "$pkg" | tr / _)
	log=$work/$plat-$name.log
	case $plat in
	windows) exe=$work/$name.test.exe
		GOOS=windows GOARCH=amd64 CGO_ENABLED=0 go test "${winflags[@]}" -c -o "$exe" "./$pkg" >"$log" 2>&1 ;;
	arm64) exe=$work/$name.test
		GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go test -c -o "$exe" "./$pkg" >"$log" 2>&1 ;;
	esac
	if [ ! -f "$exe" ]; then
		printf '%-8s %-22s BUILD FAILED\n' "$plat" "$pkg" | tee -a "$work/summary"
		sed 's/^/    /' "$log"
		return
	fi
	local start=$SECONDS rc
	case $plat in
	windows) (cd "$pkg" && timeout "$timeout" wine "$exe" -test.v -test.count=1 -test.timeout "$timeout") >"$log" 2>&1 ;;
	arm64) (cd "$pkg" && timeout "$timeout" qemu-aarch64-static "$exe" -test.v -test.count=1 -test.timeout "$timeout") >"$log" 2>&1 ;;
	esac
	rc=$?
	rm -f "$exe"
	local pass skip fail status=ok
	pass=$(grep -c '^--- PASS' "$log")
	skip=$(grep -c '^--- SKIP' "$log")
	fail=$(grep -c '^--- FAIL' "$log")
	if [ "$fail" -gt 0 ] || [ $rc -ne 0 ]; then
		status=FAIL
		[ $rc -ne 0 ] && [ "$fail" -eq 0 ] && status="FAIL (exit $rc)"
		grep -E '^(--- FAIL|panic:|fatal error:)' "$log" | head -20 | sed 's/^/    /'
		cp "$log" "${TMPDIR:-/tmp}/crosstest-$plat-$name.log"
		echo "    log: ${TMPDIR:-/tmp}/crosstest-$plat-$name.log"
	fi
	printf '%-8s %-22s pass %4d  skip %4d  fail %4d  %4ds  %s\n' "$plat" "$pkg" "$pass" "$skip" "$fail" $((SECONDS - start)) "$status" |
		tee -a "$work/summary"
}

: >"$work/summary"
for plat in "${platforms[@]}"; do
	if ! "setup_$plat"; then
		printf '%-8s %-22s NOT RUN (no emulator)\n' "$plat" '*' | tee -a "$work/summary"
		continue
	fi
	for pkg in "${pkgs[@]}"; do
		run "$plat" "$pkg"
	done
done
echo
echo "summary:"
cat "$work/summary"
! grep -q -e FAIL -e 'NOT RUN' "$work/summary"
