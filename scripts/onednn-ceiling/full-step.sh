#!/usr/bin/env bash
# Issue #7's four configurations, three engines side by side, RUNS times (default 3): `medft bench` (medft's engine:
# TF.js tensors, oneDNN convolutions through the addon) with Debian PyTorch's step timed right after it in the same
# run, then full_step.cc (the whole step written directly against oneDNN: what an engine owning its tensors in
# oneDNN's layouts could reach). One engine at a time, never concurrently. Prints each run and the medians.
# Usage: scripts/onednn-ceiling/full-step.sh [RUNS]   (files go to $OUT, default bench-results/full-step)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-3}"
out="${OUT:-bench-results/full-step}"
mkdir -p "$out"
g++ -O3 -march=native -std=c++17 -fopenmp -o "$out/full_step" scripts/onednn-ceiling/full_step.cc -ldnnl

# model size batch steps replicas (ResNet-50 at 224 px needs two engines in medft: one wasm heap cannot hold it)
configs=("resnet50 64 16 7 1" "densenet121 64 16 7 1" "vgg19 64 16 7 1" "resnet50 224 16 3 2")
results="$out/results.tsv"
: > "$results"
for run in $(seq 1 "$runs"); do
  echo "=== run $run: load average before $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%H:%M) UTC"
  for c in "${configs[@]}"; do
    read -r model size batch steps replicas <<< "$c"
    node bin/medft.js bench --model "$model" --size "$size" --batch "$batch" --steps "$steps" --replicas "$replicas" \
      --json > "$out/run$run-$model-$size-medft.json"
    OMP_NUM_THREADS=2 "$out/full_step" "$model" "$size" "$batch" "$steps" > "$out/run$run-$model-$size-full.txt" 2> /dev/null
    full=$(grep '^FULLSTEP ' "$out/run$run-$model-$size-full.txt" | sed 's/.*img_s=//')
    node -e '
      const [run, model, size, batch, file, full] = process.argv.slice(1);
      const r = JSON.parse(require("fs").readFileSync(file, "utf8"));
      console.log([run, `${model} ${size} px b${batch}`, r.accelerator, r.trainImagesPerSec, r.torchTrainImagesPerSec ?? "", full].join("\t"));
    ' "$run" "$model" "$size" "$batch" "$out/run$run-$model-$size-medft.json" "$full" | tee -a "$results"
  done
  echo "=== run $run: load average after $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%H:%M) UTC"
done

node -e '
  const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => l.split("\t"));
  const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
  const f = (x) => x.toFixed(2);
  const ratio = (a, b) => (b ? f(a / b) : "n/a");
  console.log("\ntrain images/s; ratios against PyTorch measured in the same run (accelerator: " + rows[0][2] + ")\n");
  console.log("| run | config | medft | PyTorch | full_step (oneDNN only) | medft / PyTorch | full_step / PyTorch |");
  console.log("|---|---|---|---|---|---|---|");
  for (const [run, cfg, , m, t, full] of rows) console.log(`| ${run} | ${cfg} | ${f(+m)} | ${t ? f(+t) : "n/a"} | ${f(+full)} | ${ratio(+m, +t)} | ${ratio(+full, +t)} |`);
  console.log("\nmedians over the runs:\n");
  console.log("| config | medft | PyTorch | full_step | medft / PyTorch | full_step / PyTorch |");
  console.log("|---|---|---|---|---|---|");
  for (const cfg of [...new Set(rows.map((r) => r[1]))]) {
    const rs = rows.filter((r) => r[1] === cfg);
    const m = med(rs.map((r) => +r[3])), t = rs[0][4] ? med(rs.map((r) => +r[4])) : 0, full = med(rs.map((r) => +r[5]));
    const rm = rs[0][4] ? f(med(rs.map((r) => r[3] / r[4]))) : "n/a", rf = rs[0][4] ? f(med(rs.map((r) => r[5] / r[4]))) : "n/a";
    console.log(`| ${cfg} | ${f(m)} | ${t ? f(t) : "n/a"} | ${f(full)} | ${rm} | ${rf} |`);
  }
' "$results"
