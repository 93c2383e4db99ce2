#!/usr/bin/env bash
# Server benchmark: per-token cost of streaming over gRPC versus the engine's own token events, at
# 64 concurrent streams on the tiny preset (created on first run). Arguments go to
# dev.ferry.bench.ServerBenchmark: --streams N --tokens N --preset tiny|small --out FILE.json
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/ferry" --version >/dev/null   # builds when stale
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-1}"   # one malloc arena, as ./ferry runs (see there)
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"   # sleeping OpenMP workers, as ./ferry runs (see there)
exec java ${FERRY_JAVA_OPTS:-} --add-modules jdk.incubator.vector -cp "bench/target/ferry-bench.jar" dev.ferry.bench.ServerBenchmark "$@"
