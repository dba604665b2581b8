#!/usr/bin/env bash
# Throughput of the distributed queue: the same grid (12 cells: tiny_cnn at 64 px, 4 strategies × 3 seeds,
# 512 BreastMNIST training images, 3 epochs) run by `medft run --queue` with 1 and then 3 local `medft worker`
# processes, each cell process pinned to one accelerator thread so that workers share the cores instead of
# oversubscribing them. Needs redis-server (Debian package) and MEDFT_DATA_DIR with breastmnist. Prints cells/min.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
redis-server --port "$port" --bind 127.0.0.1 --dir "$tmp" --save "" --appendonly no --daemonize yes --pidfile "$tmp/redis.pid" >/dev/null
trap 'kill $(cat "$tmp/redis.pid") 2>/dev/null; jobs -p | xargs -r kill 2>/dev/null; rm -rf "$tmp"' EXIT
cat > "$tmp/grid.yaml" <<YAML
name: queue-throughput
datasets: [breastmnist]
models: [{ name: tiny_cnn, weights: none }]
strategies: [ft, lp, gu-lf, l2-sp]
seeds: [0, 1, 2]
epochs: 3
lr: 0.001
inputSize: 64
subset: { train: 512, val: 64, test: 64 }
train: { batchSize: 16 }
YAML
export MEDFT_ACCELERATOR_THREADS=1 MEDFT_CACHE_DIR="$tmp/cache"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for n in 1 3; do
  db=$n
  pids=()
  for i in $(seq "$n"); do
    node bin/medft.js worker --queue "redis://127.0.0.1:$port/$db" --work-dir "$tmp/w$n-$i" > "$tmp/w$n-$i.log" 2>&1 &
    pids+=($!)
  done
  t0=$(date +%s.%N)
  node bin/medft.js run "$tmp/grid.yaml" --out "$tmp/out$n" --queue "redis://127.0.0.1:$port/$db" --no-report --no-progress > "$tmp/run$n.log" 2>&1
  t1=$(date +%s.%N)
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  node -e "const s=$t1-$t0; console.log('$n worker(s): 12 cells in ' + s.toFixed(1) + ' s = ' + (12*60/s).toFixed(1) + ' cells/min')"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
