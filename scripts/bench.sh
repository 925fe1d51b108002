#!/usr/bin/env bash
# `make bench`: micro benchmarks (Google Benchmark), then end-to-end load figures against a real
# server on loopback, printed as one table with each figure's target and bare-machine baseline
# measured in the same run. Usage: bench.sh BUILD_DIR
set -euo pipefail
build_dir="$(cd "${1:?usage: bench.sh BUILD_DIR}" && pwd)"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== micro benchmarks"
"$build_dir/bench/cronium_bench" --benchmark_min_time=0.5 \
  --benchmark_out="$work/micro.json" --benchmark_out_format=json

echo
echo "== scheduler at scale (100,000 schedules; takes about 20 s)"
"$build_dir/bench/cronium_schedule_bench" 100000 | grep '^ROW' > "$work/schedule_rows.tsv"

echo
echo "== sandbox: start overhead (median of 50) and runs/s next to a bare spawn (about 15 s)"
"$build_dir/bench/cronium_sandbox_bench" 50 400 | grep '^ROW' > "$work/sandbox_rows.tsv"

echo
echo "== durable queue in process: throughput (process and sandbox executors), dispatch latency, store cycles (about 60 s)"
"$build_dir/bench/cronium_queue_bench" 2000 300 3000 1000 | grep '^ROW' > "$work/queue_rows.tsv"

echo
echo "== PostgreSQL and two nodes: store cycles next to pgbench's raw SKIP LOCKED claim, then"
echo "   end-to-end runs/s with 1 and 2 nodes (a throwaway cluster; about 90 s)"
bash "$root/scripts/with-postgres.sh" bash -c \
  '"$1/bench/cronium_cluster_bench" "$CRONIUM_TEST_POSTGRES" 5000 &&
   /usr/bin/python3 "$2/bench/cluster_e2e_bench.py" --cronium "$1/src/server/cronium"' \
  _ "$build_dir" "$root" | grep '^ROW' > "$work/cluster_rows.tsv"

echo
echo "== web UI in headless Chromium: first page's JavaScript, the dashboard on 1,000 events and"
echo "   100,000 runs, the log viewer at 5,000 lines/s (about 3 minutes)"
if [[ -f "$build_dir/web/dist/index.html" ]]; then
  (cd "$root/web" && node bench/ui-bench.mjs --cronium "$build_dir/src/server/cronium" \
    --dist "$build_dir/web/dist") | grep '^ROW' > "$work/ui_rows.tsv"
else
  echo "(no web UI in this build: configured with -DCRONIUM_WEB_UI=OFF)"
  : > "$work/ui_rows.tsv"
fi

echo
echo "== end-to-end (loopback)"
/usr/bin/python3 "$root/bench/e2e_bench.py" --cronium "$build_dir/src/server/cronium" \
  --work "$work" --micro "$work/micro.json" --extra-rows "$work/schedule_rows.tsv" \
  --extra-rows "$work/sandbox_rows.tsv" --extra-rows "$work/queue_rows.tsv" \
  --extra-rows "$work/cluster_rows.tsv" --extra-rows "$work/ui_rows.tsv"
