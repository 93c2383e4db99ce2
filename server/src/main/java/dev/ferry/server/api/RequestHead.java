package dev.ferry.server.api;

import dev.ferry.engine.api.Priority;

/**
 * What a request says about itself before its prompt is read: enough for admission control to
 * refuse it when its model's queue is already full or its tenant's bucket already short, before any
 * work is spent rendering and tokenizing the prompt.
 *
 * @param model the name, alias or route the request names; null or empty for the server's only model
 * @param priority the request's class
 * @param choices how many samples it asks for (OpenAI's {@code n}), at least 1
 * @param maxTokens the output bound it gives; null when it gives none
 * @param tenant who it is accounted to, as {@link InferenceRequest#withTenant} decides; null for the default
 * @param mayBeCached whether the response cache might answer it (one choice, greedy or seeded as far as
 *     its fields tell), which admission never sees
 * @param transport the front end it came through
 */
public record RequestHead(String model, Priority priority, int choices, Integer maxTokens, String tenant,
                          boolean mayBeCached, String requestId, Transport transport) {

    public RequestHead {
        priority = priority == null ? Priority.INTERACTIVE : priority;
        choices = Math.max(1, choices);
    }

    /**
     * The fewest tokens the request can be charged to its tenant: a prompt of one token plus
     * max_tokens for each choice (when it gives max_tokens; the default fills the context, unknown
     * before the prompt is counted).
     */
    public long leastCost() {
        return 1 + (maxTokens == null ? 0 : (long) choices * Math.max(0, maxTokens));
    }

    /**
     * @param temperature the request's temperature; null when it leaves it to the model's default
     * @param seed the request's seed; null for none
     */
    public static boolean mayBeCached(int choices, Double temperature, Long seed) {
        return choices <= 1 && (temperature == null || temperature == 0 || seed != null);
    }
}
