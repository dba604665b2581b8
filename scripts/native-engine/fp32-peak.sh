#!/usr/bin/env bash
# Builds and runs fp32-peak.cc (needs libdnnl-dev): the measured fp32 peak the native engine's GFLOP/s are a share of.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(mktemp)
g++ -O2 -std=c++17 -fopenmp "$here/fp32-peak.cc" -ldnnl -o "$bin"
"$bin"
rm -f "$bin"
