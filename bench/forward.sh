#!/usr/bin/env bash
# Foundation benchmark: prefill and decode rates of the small preset (created on first run) against
# this machine's memory bandwidth and matmul rate, measured in the same run, then libtorch ops per
# decode step and per layer for Llama, Qwen2 and GPT-2 at batch 1 and --batch (dev.ferry.bench.OpCounts). Extra arguments go to
# dev.ferry.bench.ForwardBenchmark (--model DIR, --device, --dtype f32,f16,bf16,int8 (int8: f32 quantized at load;
# f16 and bf16 on a CPU: half-size weights, fp32 activations), --batch, --context, --steps, --rounds, --out); each
# dtype's batch-1 step is also given against its own bandwidth floor (the weight bytes it streams plus the KV read)
# and, for f16, bf16 and int8, as a ratio to f32's step rate.
exec "$(dirname "${BASH_SOURCE[0]}")/run-java.sh" ForwardBenchmark "$@"
