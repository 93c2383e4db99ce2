#!/usr/bin/env bash
# Runs one benchmark class from the bench module's jar as ./ferry runs the server: builds when
# stale, one malloc arena and sleeping OpenMP workers (./ferry says why). Used by the scripts beside
# it: run-java.sh CLASS [ARGS...], CLASS under dev.ferry.bench.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/ferry" --version >/dev/null   # builds when stale
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-1}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
class="$1"
shift
exec java ${FERRY_JAVA_OPTS:-} --add-modules jdk.incubator.vector -cp "bench/target/ferry-bench.jar" "dev.ferry.bench.$class" "$@"
