#!/usr/bin/env bash
# Runs scripts/native-engine/engines-3seeds.yaml on each engine (native, then tfjs) into OUT/<engine>, then prints
# each strategy's test accuracy and AUC per engine (mean and spread over the seeds) and the engines' wall times.
# Usage: bash scripts/native-engine/compare-engines.sh OUT
set -euo pipefail
out=${1:?usage: compare-engines.sh OUT}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
for engine in native tfjs; do
  start=$(date +%s)
  MEDFT_ENGINE=$engine node "$root/bin/medft.js" run "$here/engines-3seeds.yaml" --out "$out/$engine" --no-progress --no-report
  echo "$engine: $(( $(date +%s) - start )) s" | tee -a "$out/times.txt"
done
node --import tsx "$here/compare-engines.ts" "$out/native/results.db" "$out/tfjs/results.db"
