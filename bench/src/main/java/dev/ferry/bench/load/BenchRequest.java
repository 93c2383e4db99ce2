package dev.ferry.bench.load;

/** One generated request: its prompt as token ids (so its length is exact) and how many tokens it must produce. */
record BenchRequest(int[] promptIds, int outputTokens) {}
