#!/usr/bin/env bash
# Batch-1 decode steps with each one-row product form in turn, grouped by the host's memory-read
# bandwidth measured before each round (dev.ferry.bench.OneRowFormsBenchmark). Extra arguments go
# there: --seconds (300), --forms (NATIVE,OPENBLAS; the first is the reference), --steps, --model, --out.
exec "$(dirname "${BASH_SOURCE[0]}")/run-java.sh" OneRowFormsBenchmark "$@"
