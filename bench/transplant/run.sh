#!/bin/sh
# Times `merge-tokenizer transplant` (release build) on a synthetic pair:
#   bench/transplant/run.sh [WORK_DIR]
# Prints wall time and peak RSS per method; record results in bench/transplant.md.
set -e
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${1:-/tmp/alloy-bench-transplant}
[ -d "$WORK/model" ] || python3 "$ROOT/bench/transplant/make_pair.py" "$WORK"
swift build -c release --product merge-tokenizer --package-path "$ROOT" >/dev/null
BIN="$ROOT/.build/release/merge-tokenizer"
for args in "-a omp -k 8" "-a omp -k 64" "-a common_interpolation -k 8" "-a landmark_pca" "-a subword" "-a stb -k 8"; do
    rm -rf "$WORK/out"
    /usr/bin/time -f "%e s  %M KB  $args" "$BIN" transplant "$WORK/model" "$WORK/donor" "$WORK/out" $args -q
done
