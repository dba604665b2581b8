#!/usr/bin/env bash
# What oneDNN 2.6 itself allows on this machine (docs/performance.md): compiles onednn_ceiling.cc against Debian's
# libdnnl-dev, measures the machine's clock and fp32 FMA peak, then for each configuration times oneDNN's
# convolutions of one train step (layouts of its choice, no reorders) next to Debian PyTorch's whole train step
# (scripts/torch_train_step.py), both on 2 threads. Repeats everything RUNS times (default 3) and prints each run
# and the medians. The machine may be shared: each measurement also reports the share of the 2 cores that other
# processes took meanwhile (from /proc/stat), so disturbed runs can be told apart. At 64 px it also runs in_step.cc:
# the same convolutions driven the way medft's addon drives them (NHWC tensors, weight reorders every pass).
# Usage: scripts/onednn-ceiling/run.sh [RUNS]   (files go to $OUT, default bench-results/onednn-ceiling)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-3}"
out="${OUT:-bench-results/onednn-ceiling}"
mkdir -p "$out"
export OMP_NUM_THREADS=2
g++ -O2 -std=c++17 -fopenmp -o "$out/onednn_ceiling" scripts/onednn-ceiling/onednn_ceiling.cc -ldnnl
g++ -O2 -std=c++17 -fopenmp -o "$out/in_step" scripts/onednn-ceiling/in_step.cc -ldnnl
python=$(for p in "${MEDFT_TORCH_PYTHON:-}" /usr/bin/python3 python3; do
  [ -n "$p" ] && "$p" -c 'import torch, torchvision' 2>/dev/null && { echo "$p"; break; }; done)
[ -n "$python" ] || { echo "run.sh: no python3 that imports torch and torchvision (apt-get install python3-torch python3-torchvision)" >&2; exit 1; }

# model size batch onednn-reps onednn-warmup torch-steps
configs=("resnet50 64 16 7 2 10" "densenet121 64 16 7 2 10" "vgg19 64 16 7 2 8" "resnet50 224 16 3 1 5")
for c in "${configs[@]}"; do
  read -r model size _ <<< "$c"
  node --import tsx scripts/onednn-ceiling/conv_shapes.ts "$model" "$size" 2>/dev/null | grep -E '^(conv|dense) ' > "$out/$model-$size.shapes"
done

# Busy CPU seconds of the whole machine (user nice system irq softirq steal), USER_HZ = 100.
busy() { awk '/^cpu /{printf "%.2f", ($2+$3+$4+$7+$8+$9)/100}' /proc/stat; }
# measure FILE CMD...: runs CMD with stdout to FILE; sets $others = share of the 2 cores other processes used meanwhile.
measure() {
  local file=$1; shift
  local b0 b1 t real user sys
  b0=$(busy)
  t=$( { TIMEFORMAT='%R %U %S'; time "$@" > "$file"; } 2>&1 | tail -1)
  b1=$(busy)
  read -r real user sys <<< "$t"
  others=$(awk -v b="$(awk -v a="$b0" -v c="$b1" 'BEGIN{print c-a}')" -v u="$user" -v s="$sys" -v r="$real" \
    'BEGIN{x=(b-u-s)/(2*r); if (x<0) x=0; printf "%.2f", x}')
}

results="$out/results.tsv"
: > "$results"
: > "$out/peak.txt"
for run in $(seq 1 "$runs"); do
  echo "=== run $run: load average before $(cut -d' ' -f1-3 /proc/loadavg)"
  "$out/onednn_ceiling" peak | tee -a "$out/peak.txt"
  for c in "${configs[@]}"; do
    read -r model size batch reps warmup steps <<< "$c"
    echo "--- $model ${size}px batch $batch"
    measure "$out/run$run-$model-$size.txt" "$out/onednn_ceiling" "$out/$model-$size.shapes" "$batch" "$reps" "$warmup"
    cat "$out/run$run-$model-$size.txt"
    # the convs driven as medft's addon drives them (NHWC, per-pass weight reorders, cold caches); 64 px only: at
    # 224 px every conv's tensors at once would not fit in memory
    if [ "$size" = 64 ]; then
      OMP_WAIT_POLICY=passive "$out/in_step" "$out/$model-$size.shapes" "$batch"
      # and through medft's addon itself, when it is built
      if [ -e native/build/Release/medft_onednn.node ]; then node --import tsx scripts/onednn-ceiling/addon_step.ts "$out/$model-$size.shapes" "$batch"; fi
    fi
    others_dnnl=$others
    measure "$out/run$run-$model-$size-torch.json" "$python" scripts/torch_train_step.py --model "$model" \
      --size "$size" --batch "$batch" --steps "$steps" --threads 2
    others_torch=$others
    echo "others' share of the 2 cores: during oneDNN $others_dnnl, during PyTorch $others_torch"
    result=$(grep '^RESULT ' "$out/run$run-$model-$size.txt" | cut -d' ' -f2-)
    echo -e "$run\t$model\t$size\t$batch\t$result others_dnnl=$others_dnnl others_torch=$others_torch\t$(cat "$out/run$run-$model-$size-torch.json")" >> "$results"
  done
  echo "=== run $run: load average after $(cut -d' ' -f1-3 /proc/loadavg)"
done
"$python" scripts/onednn-ceiling/summarize.py "$results" "$out/peak.txt"
