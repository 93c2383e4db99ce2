#!/usr/bin/env bash
# The learned router at a fixed load (issue 23): a half-and-half mix of two prompt families sent at
# Poisson arrivals to the small tier always, the large tier always, and the complexity route trained on
# shadows in a warm-up; per arm the share served small, the agreement of small-served answers with the
# large model, throughput and TTFT (tiers derived from one generated model so that their agreement is
# known; see dev.ferry.bench.RoutingBenchmark). Arguments: --rate N (requests/s) --requests N (per arm)
# --tokens N --out FILE.json
exec "$(dirname "${BASH_SOURCE[0]}")/run-java.sh" RoutingBenchmark "$@"
