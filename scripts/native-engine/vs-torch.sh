#!/usr/bin/env bash
# Issue #20's measurement: `medft bench --engine native` against Debian's PyTorch, side by side in the same run
# (medft's steps, then PyTorch's; never concurrently), batch 16, for ResNet-50, DenseNet-121 and VGG-19 at 64 px and
# ResNet-50 at 224 px; RUNS runs of each (default 3), with the load average before each run.
# Prints one line per run and writes the JSON of every run to OUT (default: bench-native).
# Usage: bash scripts/native-engine/vs-torch.sh [OUT] [RUNS]
set -euo pipefail
out=${1:-bench-native}
runs=${2:-3}
root=$(cd "$(dirname "$0")/../.." && pwd)
threads=$(node -p 'require("os").availableParallelism()')
mkdir -p "$out"
for run in $(seq 1 "$runs"); do
  for config in "resnet50 64 8" "densenet121 64 8" "vgg19 64 8" "resnet50 224 4"; do
    read -r model size steps <<<"$config"
    load=$(cut -d' ' -f1 /proc/loadavg)
    file="$out/$model-$size-run$run.json"
    node "$root/bin/medft.js" bench --model "$model" --size "$size" --batch 16 --steps "$steps" --engine native \
      --torch-threads "$threads" --json >"$file" 2>/dev/null
    node -e '
      const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      console.log(`run ${process.argv[2]} ${r.model} ${r.size}px: medft native ${r.trainImagesPerSec.toFixed(1)} img/s, ` +
        `PyTorch ${r.torch.version} ${r.torchTrainImagesPerSec.toFixed(1)} img/s (${r.torch.threads} threads) → ` +
        `${r.ratioVsTorch.toFixed(2)}× · ${r.trainGflopsPerSec.toFixed(0)} GFLOP/s · load ${process.argv[3]}`);
    ' "$file" "$run" "$load"
  done
done
