#!/usr/bin/env bash
# Embeddings benchmark, run by hand: all-MiniLM-L6-v2 (converted from LangChain4j's ONNX jar) on the
# CPU, texts of 8-256 tokens. Ferry's /v1/embeddings under 32 concurrent HTTP clients against
# LangChain4j's in-process onnxruntime model called from 32 threads, same texts, one JVM (Ferry's
# batches are packed, so there is no padding to report); light-load and cache-hit latency. Arguments go to
# dev.ferry.bench.EmbeddingsBenchmark: --texts N --clients N --light N --max-queue-delay 5ms
# --preferred-batch-sizes 8,16,32 --out FILE.json
cpu="$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)"
exec "$(dirname "${BASH_SOURCE[0]}")/run-java.sh" EmbeddingsBenchmark --cpu "${cpu:-unknown}" "$@"
