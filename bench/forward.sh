#!/usr/bin/env bash
# Foundation benchmark: prefill and decode rates of the small preset (created on first run) against
# this machine's memory bandwidth and matmul rate, measured in the same run. Extra arguments go to
# dev.ferry.bench.ForwardBenchmark (--model DIR, --device, --dtype, --batch, --context, --steps, --out).
exec "$(dirname "${BASH_SOURCE[0]}")/run-java.sh" ForwardBenchmark "$@"
