#!/usr/bin/env bash
# Response cache benchmark: latency of a greedy 64-token answer on the small preset (created on
# first run) when generated, when replayed from the in-process cache, and when fetched from Redis
# by another instance. Starts its own redis-server (apt-get install -y redis-server). Arguments go
# to dev.ferry.bench.ResponseCacheBenchmark: --tokens N --generations N --l1-hits N --instances N
# --out FILE.json
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/ferry" --version >/dev/null   # builds when stale
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-1}"   # one malloc arena, as ./ferry runs (see there)
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"   # sleeping OpenMP workers, as ./ferry runs (see there)
exec java ${FERRY_JAVA_OPTS:-} --add-modules jdk.incubator.vector -cp "bench/target/ferry-bench.jar" dev.ferry.bench.ResponseCacheBenchmark "$@"
