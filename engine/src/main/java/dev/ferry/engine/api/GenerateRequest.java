package dev.ferry.engine.api;

import java.util.List;

/**
 * A generation request as the engine takes it: prompt token ids (the caller tokenizes) and how to
 * generate.
 *
 * @param requestId the caller's id, carried into logs; need not be unique
 * @param stopTokenIds ids that end generation like eos (the token is included in the output ids)
 * @param stop strings that end generation when they appear in the text; the stop text is not emitted
 * @param ignoreEos keep generating past the model's eos ids
 * @param deadlineNanos {@link System#nanoTime()} after which the request ends with DEADLINE; 0 for none
 * @param constraint what the output must match, or null for free text. Under a constraint the
 *     model's end tokens are allowed only where the format may end, and end the output there even
 *     with {@code ignoreEos}; the output also ends as soon as the format is complete.
 * @param thinking the model's thinking markers and this request's thinking budget, or null for a
 *     model that does not think (or an answer that must not): its reasoning tokens are counted in
 *     {@link Usage#reasoningTokens()}. With a constraint, the constraint shapes only the answer
 *     after the thinking.
 */
public record GenerateRequest(String requestId, int[] promptIds, int maxTokens, SamplingParams sampling,
                              List<Integer> stopTokenIds, List<String> stop, boolean ignoreEos, Priority priority,
                              long deadlineNanos, OutputConstraint constraint, Thinking thinking) {

    public GenerateRequest {
        if (promptIds == null || promptIds.length == 0) {
            throw new InvalidRequestException("prompt", "prompt is empty");
        }
        if (maxTokens <= 0) {
            throw new InvalidRequestException("max_tokens", "max_tokens must be positive, got " + maxTokens);
        }
        stopTokenIds = stopTokenIds == null ? List.of() : List.copyOf(stopTokenIds);
        stop = stop == null ? List.of() : List.copyOf(stop);
        for (String s : stop) {
            if (s.isEmpty()) {
                throw new InvalidRequestException("stop", "stop strings must not be empty");
            }
        }
        if (sampling == null) {
            sampling = SamplingParams.greedy();
        }
        if (priority == null) {
            priority = Priority.INTERACTIVE;
        }
    }

    /** A request without thinking. */
    public GenerateRequest(String requestId, int[] promptIds, int maxTokens, SamplingParams sampling,
                           List<Integer> stopTokenIds, List<String> stop, boolean ignoreEos, Priority priority,
                           long deadlineNanos, OutputConstraint constraint) {
        this(requestId, promptIds, maxTokens, sampling, stopTokenIds, stop, ignoreEos, priority, deadlineNanos,
                constraint, null);
    }

    /** A request with defaults: no stops, interactive, no deadline, free text. */
    public static GenerateRequest of(int[] promptIds, int maxTokens, SamplingParams sampling) {
        return new GenerateRequest(null, promptIds, maxTokens, sampling, List.of(), List.of(), false, null, 0, null);
    }

    public GenerateRequest withPriority(Priority p) {
        return new GenerateRequest(requestId, promptIds, maxTokens, sampling, stopTokenIds, stop, ignoreEos, p, deadlineNanos, constraint, thinking);
    }

    public GenerateRequest withDeadline(long nanos) {
        return new GenerateRequest(requestId, promptIds, maxTokens, sampling, stopTokenIds, stop, ignoreEos, priority, nanos, constraint, thinking);
    }

    public GenerateRequest withStop(List<String> strings, List<Integer> ids) {
        return new GenerateRequest(requestId, promptIds, maxTokens, sampling, ids, strings, ignoreEos, priority, deadlineNanos, constraint, thinking);
    }

    public GenerateRequest withIgnoreEos(boolean ignore) {
        return new GenerateRequest(requestId, promptIds, maxTokens, sampling, stopTokenIds, stop, ignore, priority, deadlineNanos, constraint, thinking);
    }

    public GenerateRequest withSampling(SamplingParams s) {
        return new GenerateRequest(requestId, promptIds, maxTokens, s, stopTokenIds, stop, ignoreEos, priority,
                deadlineNanos, constraint, thinking);
    }

    public GenerateRequest withConstraint(OutputConstraint c) {
        return new GenerateRequest(requestId, promptIds, maxTokens, sampling, stopTokenIds, stop, ignoreEos, priority,
                deadlineNanos, c, thinking);
    }

    public GenerateRequest withThinking(Thinking t) {
        return new GenerateRequest(requestId, promptIds, maxTokens, sampling, stopTokenIds, stop, ignoreEos, priority,
                deadlineNanos, constraint, t);
    }
}
