#!/usr/bin/env bash
# Foundation benchmark: prefill and decode rates of the small preset (created on first run) against
# this machine's memory bandwidth and matmul rate, measured in the same run, then libtorch ops per
# decode step and per layer for Llama, Qwen2 and GPT-2 at batch 1 and --batch (dev.ferry.bench.OpCounts). Extra arguments go to
# dev.ferry.bench.ForwardBenchmark (--model DIR, --device, --dtype, --batch, --context, --steps, --out).
exec "$(dirname "${BASH_SOURCE[0]}")/run-java.sh" ForwardBenchmark "$@"
