package dev.ferry.bench.load;

import java.util.Map;

/**
 * What one run measured, as written to JSON and read back as a baseline. Counts and rates cover
 * the measured requests only (due after the warm-up); latencies are in milliseconds.
 *
 * @param measuredSeconds from the end of the warm-up to the last measured request's end: the
 *                        denominator of every rate
 * @param shortOutputs finished with fewer tokens than asked (the server ignored ignore_eos)
 * @param errors failed requests by status; rejections are counted apart
 * @param goodput finished requests per second that met every SLO set; null when none is
 * @param schedulingLagMs how late the driver sent requests after they were due
 */
record LoadResult(Setup setup, double measuredSeconds, long sent, long finished, long rejected, long failed,
                  long unanswered, long shortOutputs, Map<String, Long> errors, long outputTokens,
                  double requestThroughput, double outputTokensPerSecond, Double goodput, Percentiles ttftMs,
                  Percentiles itlMs, Percentiles e2eMs, Percentiles rejectionLatencyMs, Percentiles schedulingLagMs) {

    /**
     * How the run was set up.
     *
     * @param rate offered Poisson rate in requests per second; null in a closed loop
     * @param concurrency users of a closed loop; null in an open loop
     * @param burst requests sent at once in a burst; null otherwise
     */
    record Setup(String target, String model, Double rate, Integer concurrency, Integer burst, String promptTokens,
                 String outputTokens, double sharedPrefix, long seed, Double sloTtftMs,
                 Double sloItlMs) {}
}
