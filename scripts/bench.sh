#!/usr/bin/env bash
# Every performance figure medft reports, rerunnable by anyone: the wasm kernels, then forward/train step of the
# study's three backbones against Debian's PyTorch (apt-get install python3-torch python3-torchvision) — on pure
# wasm with one engine and with one data-parallel replica per core (what finetune does by default), and, when the
# oneDNN addon is built, with the accelerator — then ResNet-50 at 224 px at the largest batch that fits the wasm heap,
# and with the accelerator at batch 16 over two replicas. JSON goes to $1 (default bench-results/); a summary is
# printed at the end. Run it on an otherwise idle machine: it prints the load average before and after.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-bench-results}"
mkdir -p "$out"
medft() { node bin/medft.js "$@"; }
accelerated=$([ -e native/build/Release/medft_onednn.node ] && echo yes || echo no)
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
MEDFT_ACCELERATOR=none medft bench --kernels --sizes 64,224 --batch 16 --reps 5 --json > "$out/kernels.json"
for m in resnet50 densenet121 vgg19; do
  MEDFT_ACCELERATOR=none medft bench --model "$m" --size 64 --batch 16 --steps 5 --replicas 1 --json > "$out/$m-64-b16-wasm-1.json"
  MEDFT_ACCELERATOR=none medft bench --model "$m" --size 64 --batch 16 --steps 5 --replicas auto --json > "$out/$m-64-b16-wasm-auto.json"
  if [ "$accelerated" = yes ]; then medft bench --model "$m" --size 64 --batch 16 --steps 5 --json > "$out/$m-64-b16-onednn.json"; fi
done
for r in 1 auto; do
  MEDFT_ACCELERATOR=none medft bench --model resnet50 --size 224 --max-batch --replicas "$r" --json > "$out/resnet50-224-max-batch-$r.json"
  b=$(node -e "console.log(JSON.parse(require('fs').readFileSync('$out/resnet50-224-max-batch-$r.json','utf8')).maxBatch)")
  MEDFT_ACCELERATOR=none medft bench --model resnet50 --size 224 --batch "$b" --steps 3 --replicas "$r" --json > "$out/resnet50-224-b$b-wasm-$r.json"
  if [ "$accelerated" = yes ] && [ "$r" = 1 ]; then medft bench --model resnet50 --size 224 --batch "$b" --steps 3 --json > "$out/resnet50-224-b$b-onednn.json"; fi
done
# batch 16 at 224 px needs two wasm heaps: two data-parallel engines, each driving oneDNN on one core
if [ "$accelerated" = yes ]; then medft bench --model resnet50 --size 224 --batch 16 --steps 3 --replicas 2 --json > "$out/resnet50-224-b16-onednn-2.json"; fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
npx tsx scripts/bench-summary.ts "$out"
