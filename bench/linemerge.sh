#!/bin/sh
# Times a three-way line merge of a 32,000-line file with a few thousand
# changes on each side: easel merge-file -p against git merge-file -p.
# Usage: bench/linemerge.sh [runs]   (needs go, git and python3)
set -eu
runs=${1:-10}
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$top" && go build -o "$tmp/easel" ./cmd/easel)

python3 - "$tmp" <<'PY'
import random, sys
d = sys.argv[1]
r = random.Random(1)
base = ["line %d %x\n" % (i, r.getrandbits(40)) for i in range(32000)]
def edit(seed, tag):
    r = random.Random(seed)
    out = []
    for i, l in enumerate(base):
        x = r.random()
        if x < 0.05:
            out.append("%s changed %d\n" % (tag, i))
        elif x < 0.07:
            pass
        elif x < 0.09:
            out.append("%s inserted %d\n" % (tag, i)); out.append(l)
        else:
            out.append(l)
    return out
for name, lines in (("base", base), ("ours", edit(2, "ours")), ("theirs", edit(3, "theirs"))):
    open("%s/%s" % (d, name), "w").write("".join(lines))
PY

cd "$tmp"
git merge-file -p ours base theirs > git.out || true
./easel merge-file -p ours base theirs > easel.out || true
if cmp -s git.out easel.out; then echo "outputs identical ($(grep -c '^<<<<<<<' git.out) conflicts)"; else echo "OUTPUTS DIFFER"; fi

if command -v hyperfine >/dev/null 2>&1; then
	hyperfine -N -i -w 2 -r "$runs" "git merge-file -p ours base theirs" "./easel merge-file -p ours base theirs"
	exit 0
fi

# Without hyperfine: best of $runs wall-clock runs, in milliseconds.
best() {
	b=
	i=0
	while [ $i -lt "$runs" ]; do
		s=$(date +%s%N)
		"$@" >/dev/null || true
		e=$(date +%s%N)
		t=$(( (e - s) / 1000000 ))
		if [ -z "$b" ] || [ "$t" -lt "$b" ]; then b=$t; fi
		i=$((i + 1))
	done
	echo "$b"
}
g=$(best git merge-file -p ours base theirs)
e=$(best ./easel merge-file -p ours base theirs)
echo "git merge-file -p:   ${g} ms (best of $runs)"
echo "easel merge-file -p: ${e} ms (best of $runs)"
awk -v g="$g" -v e="$e" 'BEGIN { if (g == 0) g = 1; printf "ratio easel/git: %.2f\n", e / g }'
