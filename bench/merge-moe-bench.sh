#!/usr/bin/env bash
# Benchmark merge-moe on an 8-expert assembly from the make_big.py family
# (TinyLlama-1.1B-shaped models: base, ft1, ft2; bf16; 1 GB shards).
#
#   bench/merge-moe-bench.sh [WORK_DIR]      (run from the package root)
#
# Builds the release binary, writes the model family into WORK_DIR (default
# /tmp/alloy-moe-bench), runs two assemblies with /usr/bin/time -v:
#   hidden  gate_mode hidden (the base model runs on every expert's prompts)
#   random  gate_mode random (no forward pass)
# and prints wall time, peak RSS and the forward-pass time (from --json).
# Everything under WORK_DIR is deleted at the end.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${1:-/tmp/alloy-moe-bench}
SHARED=$ROOT/../shared
mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT

swift build -c release --product merge-moe --package-path "$ROOT" >/dev/null
BIN=$(swift build -c release --show-bin-path --package-path "$ROOT")/merge-moe

if [ ! -f "$WORK/models/base/config.json" ]; then
  python3 "$SHARED/tools/make_big.py" "$WORK/models" >/dev/null
fi
# make_big writes no tokenizer; the fixtures' small BPE tokenizer gives ids < 400, valid rows of the 32000-row embedding.
cp "$SHARED/fixtures/models/llama-base/"{tokenizer.json,tokenizer_config.json,special_tokens_map.json} "$WORK/models/base/"

write_config() {  # $1 = gate mode
  {
    echo "base_model: $WORK/models/base"
    echo "gate_mode: $1"
    echo "dtype: bfloat16"
    echo "experts_per_token: 2"
    echo "experts:"
    topics=("merge the weights of two models" "the weather was cold" "def merge(a, b, t=0.5):" "Numbers: 0.5, 0.25, 2048"
            "write a short poem about the sea" "translate this sentence into French" "solve for x: 2x + 3 = 7" "the kettle boiled")
    models=(ft1 ft2 base ft1 ft2 base ft1 ft2)
    for i in 0 1 2 3 4 5 6 7; do
      echo "  - source_model: $WORK/models/${models[$i]}"
      echo "    positive_prompts: [\"${topics[$i]}\", \"an example about ${topics[$i]}\"]"
    done
  } > "$WORK/moe-$1.yml"
}

run() {  # $1 = gate mode
  write_config "$1"
  sync
  /usr/bin/time -v "$BIN" "$WORK/moe-$1.yml" "$WORK/out-$1" --random-seed 42 --no-write-model-card --no-copy-tokenizer \
    --quiet --i-understand-this-is-not-useful-without-training --json > "$WORK/$1.json" 2> "$WORK/$1.time"
  wall=$(grep "Elapsed (wall clock)" "$WORK/$1.time" | awk '{print $NF}')
  rss=$(grep "Maximum resident set size" "$WORK/$1.time" | awk '{printf "%.0f", $NF/1024}')
  cpu=$(grep -E "User time|System time" "$WORK/$1.time" | awk '{s+=$NF} END {printf "%.1f", s}')
  fwd=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['forward_seconds'])" "$WORK/$1.json")
  size=$(du -sb "$WORK/out-$1" | awk '{printf "%.2f", $1/1e9}')
  echo "| $1 | $wall | $rss | $cpu | $fwd | $size |"
  rm -rf "$WORK/out-$1"
}

echo "| gate_mode | wall (m:ss) | peak RSS (MB) | user+sys CPU (s) | forward pass (s) | output (GB) |"
echo "|---|---|---|---|---|---|"
run hidden
run random
