#!/usr/bin/env bash
# Benchmarks extract-lora (rank 32 and 64) and merge-lora (rank-64 adapters, every svd
# method) on the synthetic 1.1B family of ../shared/tools/make_big.py.
#
#   bench/lora-bench.sh [WORK_DIR]     (run from the package root; default WORK_DIR /tmp/lora-bench)
#   ONLY=merge bench/lora-bench.sh    (only the merge jobs)
#
# Builds the release tools, writes the family if WORK_DIR/family is missing, prints one
# markdown table row per job (wall s, peak RSS MB, user+sys CPU s, worst/mean relative
# error from the extraction report) and deletes the outputs (keeps the family unless
# CLEAN=1).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${1:-/tmp/lora-bench}
BIN="$ROOT/.build/release"
mkdir -p "$WORK"
(cd "$ROOT" && swift build -c release --product extract-lora >&2 && swift build -c release --product merge-lora >&2)
[ -d "$WORK/family/ft2" ] || python3 "$ROOT/../shared/tools/make_big.py" "$WORK/family" >&2
F="$WORK/family"

measure() {  # label, command...
  local label=$1; shift
  /usr/bin/time -v "$@" 2> "$WORK/time.txt" >/dev/null || { cat "$WORK/time.txt" >&2; exit 1; }
  local wall rss cpu
  wall=$(awk -F': ' '/Elapsed/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$WORK/time.txt")
  rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2/1024}' "$WORK/time.txt")
  cpu=$(awk -F': ' '/User time|System time/ {s+=$2} END {printf "%.1f", s}' "$WORK/time.txt")
  echo "$label|$wall|$rss|$cpu"
}

errors() {  # report.json -> "worst / mean"
  python3 -c "import json,sys; m=json.load(open(sys.argv[1]))['modules']; e=[x['relative_error'] for x in m]; print('%.4f / %.4f' % (max(e), sum(e)/len(e)))" "$1"
}

echo "| job | wall (s) | peak RSS (MB) | user+sys CPU (s) | rel. error worst / mean |"
echo "|---|---|---|---|---|"
if [ "${ONLY:-}" != merge ]; then
for r in 32 64; do
  row=$(measure "extract ft1 rank $r" "$BIN/extract-lora" --model "$F/ft1" --base-model "$F/base" --out-path "$WORK/ft1-r$r" --max-rank $r --report "$WORK/ft1-r$r.json" -q)
  echo "| $(echo "$row" | tr '|' '\n' | head -1) | $(echo "$row" | cut -d'|' -f2-4 | sed 's/|/ | /g') | $(errors "$WORK/ft1-r$r.json") |"
done
row=$(measure "extract ft1 rank 32, full sgesdd" "$BIN/extract-lora" --model "$F/ft1" --base-model "$F/base" --out-path "$WORK/ft1-r32-full" --max-rank 32 --svd-method full -i 'layers\.0\.' --report "$WORK/ft1-r32-full.json" -q)
echo "| extract layer 0 only, rank 32, --svd-method full | $(echo "$row" | cut -d'|' -f2-4 | sed 's/|/ | /g') | $(errors "$WORK/ft1-r32-full.json") |"
row=$(measure "x" "$BIN/extract-lora" --model "$F/ft1" --base-model "$F/base" --out-path "$WORK/ft1-r32-l0" --max-rank 32 -i 'layers\.0\.' --report "$WORK/ft1-r32-l0.json" -q)
echo "| extract layer 0 only, rank 32, default (auto) | $(echo "$row" | cut -d'|' -f2-4 | sed 's/|/ | /g') | $(errors "$WORK/ft1-r32-l0.json") |"
fi
# Merge inputs: rank-64 adapters of ft1 and ft2 without modules_to_save (PEFT refuses to
# merge adapters that both save the same modules).
for ft in ft1 ft2; do
  "$BIN/extract-lora" --model "$F/$ft" --base-model "$F/base" --out-path "$WORK/$ft-m64" --max-rank 64 \
    -e 'embed_tokens|lm_head' --skip-undecomposable -q
done
row=$(measure "apply" "$BIN/apply-lora" "$F/base" "$WORK/ft1-m64" "$WORK/applied" --out-shard-size 1GB -q)
echo "| apply-lora base + ft1 rank-64 adapter (1.1B, 3 shards out) | $(echo "$row" | cut -d'|' -f2-4 | sed 's/|/ | /g') | |"
rm -rf "$WORK/applied"
for m in svd ties_svd dare_linear_svd dare_ties_svd magnitude_prune_svd; do
  extra=()
  case $m in svd) ;; *) extra=(--density 0.5) ;; esac
  row=$(measure "$m" "$BIN/merge-lora" "$WORK/ft1-m64" "$WORK/ft2-m64" --method $m --weights 0.5,0.5 --svd-rank 64 "${extra[@]}" --out "$WORK/merged-$m" -q)
  echo "| merge-lora $m (2 × rank 64 → 64) | $(echo "$row" | cut -d'|' -f2-4 | sed 's/|/ | /g') | |"
  rm -rf "$WORK/merged-$m"
done
rm -rf "$WORK"/ft1-r* "$WORK"/ft1-m64 "$WORK"/ft2-m64 "$WORK/time.txt"
[ "${CLEAN:-0}" = 1 ] && rm -rf "$F"
exit 0
