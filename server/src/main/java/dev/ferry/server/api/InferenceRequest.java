package dev.ferry.server.api;

import dev.ferry.engine.api.OutputFormat;
import dev.ferry.engine.api.Priority;
import java.util.List;

/**
 * A generation request as it arrives from either transport, before validation. Nullable fields
 * were not given by the client.
 *
 * @param model a model name, alias or route; null or empty picks the only model when the server has one
 * @param maxTokens null means up to the model's context length
 * @param tenant who the request is for (accounting); may be null
 * @param requestId the client's id, echoed back; one is made up when null
 * @param deadlineNanos {@link System#nanoTime()} by which the request must finish; 0 for none
 * @param transport the front end it came through (accounting, the request log); null from inside the process
 * @param allowFallback whether a route may serve it from another candidate when the chosen one
 *     cannot take it; null for the route's default
 * @param format what the output must match (structured output); null for free text
 * @param choices how many samples of the prompt to answer with (OpenAI's {@code n}); null for one
 */
public record InferenceRequest(String model, Prompt prompt, Integer maxTokens, SamplingOverrides sampling,
                               List<String> stop, List<Integer> stopTokenIds, boolean ignoreEos, Priority priority,
                               String tenant, String requestId, long deadlineNanos, Transport transport,
                               Boolean allowFallback, OutputFormat format, Integer choices) {

    /** The most choices a request may ask for: each is a sequence in the engine, generating max_tokens. */
    public static final int MAX_CHOICES = 16;

    public InferenceRequest {
        sampling = sampling == null ? SamplingOverrides.NONE : sampling;
        stop = stop == null ? List.of() : List.copyOf(stop);
        stopTokenIds = stopTokenIds == null ? List.of() : List.copyOf(stopTokenIds);
        priority = priority == null ? Priority.INTERACTIVE : priority;
    }

    /** One choice. */
    public InferenceRequest(String model, Prompt prompt, Integer maxTokens, SamplingOverrides sampling,
                            List<String> stop, List<Integer> stopTokenIds, boolean ignoreEos, Priority priority,
                            String tenant, String requestId, long deadlineNanos, Transport transport,
                            Boolean allowFallback, OutputFormat format) {
        this(model, prompt, maxTokens, sampling, stop, stopTokenIds, ignoreEos, priority, tenant, requestId,
                deadlineNanos, transport, allowFallback, format, null);
    }

    /** Leaving fallback to the route's default. */
    public InferenceRequest(String model, Prompt prompt, Integer maxTokens, SamplingOverrides sampling,
                            List<String> stop, List<Integer> stopTokenIds, boolean ignoreEos, Priority priority,
                            String tenant, String requestId, long deadlineNanos, Transport transport) {
        this(model, prompt, maxTokens, sampling, stop, stopTokenIds, ignoreEos, priority, tenant, requestId,
                deadlineNanos, transport, null, null);
    }

    /** A request made inside the process, through no front end, leaving fallback to the route's default. */
    public InferenceRequest(String model, Prompt prompt, Integer maxTokens, SamplingOverrides sampling,
                            List<String> stop, List<Integer> stopTokenIds, boolean ignoreEos, Priority priority,
                            String tenant, String requestId, long deadlineNanos) {
        this(model, prompt, maxTokens, sampling, stop, stopTokenIds, ignoreEos, priority, tenant, requestId,
                deadlineNanos, null, null, null);
    }

    /**
     * The header (HTTP) or metadata key (gRPC) that names the tenant when neither the API key nor
     * the request body does.
     */
    public static final String TENANT_HEADER = "x-ferry-tenant";

    /**
     * The tenant to account the request to: the one its API key is bound to, else the one the
     * request body names, else the {@code x-ferry-tenant} header's.
     */
    public InferenceRequest withTenant(String boundToKey, String fromHeader) {
        String t = !blank(boundToKey) ? boundToKey : !blank(tenant) ? tenant : fromHeader;
        return new InferenceRequest(model, prompt, maxTokens, sampling, stop, stopTokenIds, ignoreEos, priority, t,
                requestId, deadlineNanos, transport, allowFallback, format, choices);
    }

    /** What the request says of itself before its prompt is read (see {@link RequestHead}). */
    public RequestHead head() {
        int n = choices == null ? 1 : choices;
        return new RequestHead(model, priority, n, maxTokens, tenant,
                RequestHead.mayBeCached(n, sampling.temperature(), sampling.seed()), requestId, transport);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
