#!/usr/bin/env bash
# Response cache benchmark: latency of a greedy 64-token answer on the small preset (created on
# first run) when generated, when replayed from the in-process cache, and when fetched from Redis
# by another instance. Starts its own redis-server (apt-get install -y redis-server). Arguments go
# to dev.ferry.bench.ResponseCacheBenchmark: --tokens N --generations N --l1-hits N --instances N
# --out FILE.json
exec "$(dirname "${BASH_SOURCE[0]}")/run-java.sh" ResponseCacheBenchmark "$@"
