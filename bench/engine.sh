#!/usr/bin/env bash
# Engine benchmark: continuous batching on the small preset (created on first run) against the raw
# forward rate measured in the same run; prefix caching; chunked prefill under load; the loop's own
# cost with a stub step. Extra arguments go to dev.ferry.bench.EngineBenchmark.
exec "$(dirname "${BASH_SOURCE[0]}")/run-java.sh" EngineBenchmark "$@"
