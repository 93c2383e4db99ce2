package dev.ferry.server.routing;

/**
 * One shadowed request of a complexity route: the small tier's answer scored by the large tier in one
 * teacher-forced prefill. Shadow evaluation produces these; the learned router trains on them.
 *
 * @param route the route's name
 * @param input what the route decided on for the request
 * @param smallModel the model that answered the request
 * @param largeModel the model that scored the answer
 * @param comparedTokens how many of the answer's first tokens were scored (at least 1)
 * @param agreement in [0, 1]: the fraction of those positions where the large model's greedy token is the
 *     small model's token
 * @param meanLogprob the large model's mean log-probability of the small model's tokens over those positions
 * @param atMillis when the pair was scored (epoch milliseconds)
 */
public record ShadowResult(String route, RouteInput input, String smallModel, String largeModel, int comparedTokens,
                           double agreement, double meanLogprob, long atMillis) {
    public ShadowResult {
        if (comparedTokens < 1) {
            throw new IllegalArgumentException("comparedTokens must be at least 1, got " + comparedTokens);
        }
        if (!(agreement >= 0 && agreement <= 1)) {
            throw new IllegalArgumentException("agreement must be in [0, 1], got " + agreement);
        }
    }
}
