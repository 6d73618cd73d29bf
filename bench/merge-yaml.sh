#!/usr/bin/env bash
# Benchmark merge-yaml on the make_big.py family (three 1.1B-parameter Llama-shaped
# models, 2.2 GB each in bfloat16) with the jobs of ../shared/bench/mergekit.md.
#
#   bench/merge-yaml.sh [--keep]     (run from the package root)
#
# Builds the release binary, generates bench/out/big/{base,ft1,ft2} if missing,
# runs linear, ties, dare_ties and slerp under /usr/bin/time -v, measures the
# disk's read (page cache) and write throughput, and writes
# bench/RESULTS-merge-yaml.md. The big files are deleted afterwards unless --keep.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=bench/out
BIG=$OUT/big
SHARED=${SHARED:-$ROOT/../shared}
mkdir -p "$OUT"

swift build -c release --product merge-yaml >/dev/null
BIN=$(swift build -c release --show-bin-path)/merge-yaml

if [ ! -f "$BIG/ft2/model.safetensors.index.json" ]; then
  python3 "$SHARED/tools/make_big.py" "$BIG"
fi

write_config() { # name body
  printf '%s\n' "$2" > "$OUT/$1.yml"
}
write_config linear "merge_method: linear
models:
  - {model: $BIG/ft1, parameters: {weight: 0.5}}
  - {model: $BIG/ft2, parameters: {weight: 0.5}}
dtype: bfloat16"
write_config ties "merge_method: ties
base_model: $BIG/base
models:
  - {model: $BIG/ft1, parameters: {weight: 1.0, density: 0.5}}
  - {model: $BIG/ft2, parameters: {weight: 1.0, density: 0.5}}
dtype: bfloat16"
write_config dare_ties "merge_method: dare_ties
base_model: $BIG/base
models:
  - {model: $BIG/ft1, parameters: {weight: 0.5, density: 0.5}}
  - {model: $BIG/ft2, parameters: {weight: 0.5, density: 0.5}}
dtype: bfloat16"
write_config slerp "merge_method: slerp
base_model: $BIG/base
models: [{model: $BIG/base}, {model: $BIG/ft1}]
parameters: {t: 0.5}
dtype: bfloat16"

# Disk throughput: page-cache reads of one input shard, buffered writes (with fsync) of 1 GB.
SHARD=$(ls "$BIG"/ft1/model-00001-*.safetensors)
cat "$SHARD" > /dev/null
READ_BPS=$(python3 - "$SHARD" <<'PY'
import sys, time
t = time.time(); n = 0
with open(sys.argv[1], 'rb', buffering=0) as f:
    while True:
        b = f.read(1 << 24)
        if not b: break
        n += len(b)
print(int(n / (time.time() - t)))
PY
)
WRITE_BPS=$(python3 - "$OUT/ddtest" <<'PY'
import os, sys, time
buf = os.urandom(1 << 24); n = 0
t = time.time()
with open(sys.argv[1], 'wb') as f:
    for _ in range(64):
        f.write(buf); n += len(buf)
    f.flush(); os.fsync(f.fileno())
print(int(n / (time.time() - t)))
PY
)
rm -f "$OUT/ddtest"

declare -A MK_WALL=([linear]=30.3 [ties]=303.4 [dare_ties]=117.1 [slerp]=24.3)
declare -A MK_RSS=([linear]=3737 [ties]=5522 [dare_ties]=4861 [slerp]=3712)
ROWS=""
# Best of RUNS runs (the machine is shared: the fastest run is the least disturbed one); peak RSS is the largest seen.
declare -A RUNS=([linear]=3 [ties]=3 [dare_ties]=3 [slerp]=3)
for job in linear ties dare_ties slerp; do
  wall=""; rss_kb=0; cpu=""
  for run in $(seq "${RUNS[$job]}"); do
    rm -rf "$OUT/merged-$job"
    # Warm the page cache as the mergekit runs had it.
    cat "$BIG"/*/model-*.safetensors > /dev/null
    /usr/bin/time -v "$BIN" "$OUT/$job.yml" "$OUT/merged-$job" --random-seed 42 --no-write-model-card \
        --no-copy-tokenizer --quiet --json > "$OUT/$job.json" 2> "$OUT/$job.time"
    w=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$OUT/$job.time" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    r=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$OUT/$job.time")
    c=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {print u+s}' "$OUT/$job.time")
    if [ -z "$wall" ] || python3 -c "import sys; sys.exit(0 if $w < $wall else 1)"; then wall=$w; cpu=$c; fi
    if [ "$r" -gt "$rss_kb" ]; then rss_kb=$r; fi
  done
  read_b=$(python3 -c "import json;print(json.load(open('$OUT/$job.json'))['bytes_read'])")
  written_b=$(python3 -c "import json;print(json.load(open('$OUT/$job.json'))['bytes_written'])")
  floor=$(python3 -c "print(round($read_b/$READ_BPS + $written_b/$WRITE_BPS, 2))")
  rss_mb=$((rss_kb / 1024))
  speedup=$(python3 -c "print(round(${MK_WALL[$job]}/$wall, 1))")
  vs_floor=$(python3 -c "print(round($wall/$floor, 2))")
  ROWS+="| $job | $wall | $rss_mb | $cpu | $floor | ${vs_floor}x | ${MK_WALL[$job]} | ${MK_RSS[$job]} | ${speedup}x |"$'\n'
  echo "$job: wall ${wall}s, peak RSS ${rss_mb} MB, floor ${floor}s" >&2
  rm -rf "$OUT/merged-$job"
done

cat > bench/RESULTS-merge-yaml.md <<MD
# merge-yaml benchmark

Produced by \`bench/merge-yaml.sh\` on $(date -u +%Y-%m-%d) ($(nproc) cores, load before the run: $(cut -d' ' -f1-3 /proc/loadavg)).
Models: \`make_big.py\` defaults (1.1B parameters, 2.2 GB per model in bfloat16, 201 tensors, 1 GB shards).
Flags: \`--random-seed 42 --no-write-model-card --no-copy-tokenizer --quiet\`, inputs in the page cache (as for mergekit's figures).
I/O floor = bytes read ÷ page-cache read throughput ($((READ_BPS / 1000000)) MB/s) + bytes written ÷ write throughput with fsync ($((WRITE_BPS / 1000000)) MB/s).
mergekit figures: ../shared/bench/mergekit.md (same machine class, other jobs sharing it).

| job | wall (s, best) | peak RSS (MB) | user+sys CPU (s) | I/O floor (s) | wall ÷ floor | mergekit wall (s) | mergekit RSS (MB) | speed-up |
|---|---|---|---|---|---|---|---|---|
$ROWS
Notes:
- Targets: at least 5x faster than mergekit, within 2x of the I/O floor, under 1 GB resident.
- The floor counts writes at the fsync'd throughput; merge-yaml does not fsync (the kernel flushes the
  page cache afterwards, as for mergekit), so a wall time below the floor is possible.
- Every method here streams tensors above 256K elements in blocks of rows (1 MB of Float per input;
  \`BlockwiseMergeMethod\`), so memory does not depend on the model size. slerp gathers its norms and
  dot product in one pass over the blocks; ties gathers each model's magnitude threshold in a histogram
  pass (bfloat16 keys need no second, low-bits pass), then masks, elects signs and writes each block;
  dare_ties gathers the two L1 norms of \`rescale\` in one pass (masks regenerated identically from
  counter-keyed streams), then writes.
- Before the streaming task-arithmetic family (same script on main before it): ties 51-91 s wall, 62 s
  CPU, 2466 MB; dare_ties 25-42 s wall, 41 s CPU, 2403 MB (whole tensors, PyTorch sort replay on every
  tied threshold, branchy sign-election and Bernoulli loops).
- The machine is shared with other engineers' builds (see the load above): wall times move by up to 2x
  between runs, and a run whose wall time exceeds its CPU time ÷ 2 was waiting for a core.
MD
cat bench/RESULTS-merge-yaml.md

if [ "${1:-}" != "--keep" ]; then rm -rf "$BIG" "$OUT"/*.yml "$OUT"/*.json "$OUT"/*.time; fi
