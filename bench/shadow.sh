#!/usr/bin/env bash
# Shadow evaluation's cost to interactive traffic: p95 time to first token of a complexity route's
# small-tier requests at a fixed Poisson load, shadow-rate 0 against --shadow-rate, alternating
# phases in one run (tiny generated models, created in a temporary store). Arguments go to
# dev.ferry.bench.ShadowBenchmark: --rate N (requests/s) --requests N (per phase) --rounds N
# --shadow-rate F --tokens N --out FILE.json
exec "$(dirname "${BASH_SOURCE[0]}")/run-java.sh" ShadowBenchmark "$@"
