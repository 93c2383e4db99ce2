#!/usr/bin/env bash
# Engine benchmark: continuous batching on the small preset (created on first run) against the raw
# forward rate measured in the same run; prefix caching; chunked prefill under load; the loop's own
# cost with a stub step. Extra arguments go to dev.ferry.bench.EngineBenchmark.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/ferry" --version >/dev/null   # builds when stale
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-1}"   # one malloc arena, as ./ferry runs (see there)
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"   # sleeping OpenMP workers, as ./ferry runs (see there)
exec java ${FERRY_JAVA_OPTS:-} --add-modules jdk.incubator.vector -cp "bench/target/ferry-bench.jar" dev.ferry.bench.EngineBenchmark "$@"
