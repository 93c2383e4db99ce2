#!/usr/bin/env bash
# Server benchmark: per-token cost of streaming over gRPC versus the engine's own token events, at
# 64 concurrent streams on the tiny preset (created on first run). Arguments go to
# dev.ferry.bench.ServerBenchmark: --streams N --tokens N --preset tiny|small --out FILE.json
exec "$(dirname "${BASH_SOURCE[0]}")/run-java.sh" ServerBenchmark "$@"
