#!/usr/bin/env bash
# Batch-1 decode steps with each one-row product form in turn, grouped by the host's memory-read
# bandwidth measured before each round (dev.ferry.bench.OneRowFormsBenchmark). Extra arguments go
# there: --seconds (300), --forms (NATIVE,OPENBLAS; the first is the reference), --steps, --model, --out.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/ferry" --version >/dev/null   # builds when stale
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-1}"   # as ./ferry runs (see there)
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"   # as ./ferry runs (see there)
exec java ${FERRY_JAVA_OPTS:-} --add-modules jdk.incubator.vector -cp "bench/target/ferry-bench.jar" dev.ferry.bench.OneRowFormsBenchmark "$@"
