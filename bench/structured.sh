#!/usr/bin/env bash
# Structured-output benchmark: output tok/s of 32 streams half constrained by a 10-property JSON
# Schema against 32 free ones, in turns; mask work per sequence-step for a 32k and a 150k vocabulary;
# schema compile times. Extra arguments go to dev.ferry.bench.StructuredOutputBenchmark.
exec "$(dirname "${BASH_SOURCE[0]}")/run-java.sh" StructuredOutputBenchmark "$@"
