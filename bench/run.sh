#!/usr/bin/env bash
# Benchmarks for safetensors-inspect and tensor-diff (recorded in bench/RESULTS.md, not a test).
#
#   bench/run.sh [WORK_DIR]      default WORK_DIR: bench/out (git-ignored; needs ~5 GB free)
#
# 1. header-only inspection of a many-shard model directory;
# 2. `safetensors-inspect --stats` and `tensor-diff` throughput on the make_big.py family,
#    cold (the files dropped from the page cache) and warm, next to `cat FILES >/dev/null`,
#    the floor.
# Uses release builds; set SKIP_BUILD=1 to reuse them. Delete WORK_DIR afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-bench/out}"
make_big=../shared/tools/make_big.py
mkdir -p "$work"

if [ -z "${SKIP_BUILD:-}" ]; then
  swift build -c release --product safetensors-inspect >&2
  swift build -c release --product tensor-diff >&2
fi
bin="$(swift build -c release --show-bin-path)"

[ -d "$work/big/ft1" ] || python3 "$make_big" --finetunes 1 "$work/big" >&2
[ -d "$work/many/base" ] || python3 "$make_big" --hidden 256 --layers 48 --heads 8 --kv-heads 2 \
  --intermediate 512 --vocab 4000 --finetunes 0 --shard-gb 0.002 "$work/many" >&2

# Drop the files of a directory from the page cache (no root needed).
drop() {
  python3 - "$@" <<'PY'
import os, sys
for d in sys.argv[1:]:
    for n in os.listdir(d):
        p = os.path.join(d, n)
        fd = os.open(p, os.O_RDONLY)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(fd)
PY
}

bytes_of() { cat "$@" | wc -c; }
gbps() { python3 -c "import sys; b,s=float(sys.argv[1]),float(sys.argv[2]); print('-' if b==0 else (f'{b/s/1e9:.2f}' if s>0 else 'inf'))" "$1" "$2"; }

run() {  # label, bytes read, mode (cold|warm), dirs to drop..., --, command...
  local label="$1" bytes="$2" mode="$3"; shift 3
  local dirs=()
  while [ "$1" != "--" ]; do dirs+=("$1"); shift; done
  shift
  if [ "$mode" = cold ]; then drop "${dirs[@]}"; else "$@" >/dev/null 2>&1 || true; fi
  /usr/bin/time -f "%e %M %U %S" "$@" >/dev/null 2>"$work/time.txt" || true
  read -r wall rss user sys < <(tail -1 "$work/time.txt")
  cpu=$(python3 -c "print(f'{$user + $sys:.2f}')")
  printf '| %s | %s | %s | %s | %s | %d |\n' "$label" "$mode" "$wall" "$(gbps "$bytes" "$wall")" "$cpu" "$((rss / 1024))"
}

echo "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"
nshards=$(ls "$work/many/base"/*.safetensors | wc -l)
echo
echo "## header-only inspection: $nshards shards, $(bytes_of "$work"/many/base/*.safetensors) bytes"
echo
echo "| command | mode | wall (s) | | CPU user+sys (s) | peak RSS (MB) |"
echo "|---|---|---|---|---|---|"
for mode in cold warm; do
  run "safetensors-inspect DIR" 0 "$mode" "$work/many/base" -- "$bin/safetensors-inspect" "$work/many/base"
  run "safetensors-inspect --json DIR" 0 "$mode" "$work/many/base" -- "$bin/safetensors-inspect" --json "$work/many/base"
done

base_bytes=$(bytes_of "$work"/big/base/*.safetensors)
ft_bytes=$(bytes_of "$work"/big/ft1/*.safetensors)
echo
echo "## throughput on make_big.py base ($base_bytes bytes) and ft1"
echo
echo "| command | mode | wall (s) | GB/s read | CPU user+sys (s) | peak RSS (MB) |"
echo "|---|---|---|---|---|---|"
for mode in cold warm; do
  run "cat base/*.safetensors >/dev/null (floor)" "$base_bytes" "$mode" "$work/big/base" -- sh -c "cat $work/big/base/*.safetensors"
  run "safetensors-inspect --stats base" "$base_bytes" "$mode" "$work/big/base" -- "$bin/safetensors-inspect" --stats "$work/big/base"
  run "cat base ft1 >/dev/null (floor)" "$((base_bytes + ft_bytes))" "$mode" "$work/big/base" "$work/big/ft1" -- sh -c "cat $work/big/base/*.safetensors $work/big/ft1/*.safetensors"
  run "tensor-diff base ft1" "$((base_bytes + ft_bytes))" "$mode" "$work/big/base" "$work/big/ft1" -- "$bin/tensor-diff" "$work/big/base" "$work/big/ft1"
  run "tensor-diff base base (identical)" "$((2 * base_bytes))" "$mode" "$work/big/base" -- "$bin/tensor-diff" "$work/big/base" "$work/big/base"
done
