package dev.ferry.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.engine.api.Priority;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.InferenceRequest;
import dev.ferry.server.api.Prompt;
import dev.ferry.server.api.SamplingOverrides;
import dev.ferry.server.api.Transport;
import dev.ferry.server.serving.FormatJson;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A generation request as read from either OpenAI endpoint: what the serving core runs, and how
 * the client wants the answer delivered.
 *
 * @param includeUsage send a usage chunk before the end of a stream ({@code stream_options.include_usage})
 * @param maxTokensField the name the client gave the token limit ({@code max_tokens} or
 *     {@code max_completion_tokens}), which an error about it names
 * @param unknownFields fields the server did not know and ignored, for the {@code x-ferry-ignored-fields} header
 */
record GenerationCall(InferenceRequest request, boolean stream, boolean includeUsage, String maxTokensField,
                      List<String> unknownFields) {

    /** The fields both endpoints share, with vLLM's sampling extensions. */
    private static final Set<String> COMMON = Set.of("model", "temperature", "top_p", "top_k", "min_p", "seed", "stop",
            "stop_token_ids", "ignore_eos", "repetition_penalty", "presence_penalty", "frequency_penalty", "priority",
            "user", "stream", "stream_options", "allow_fallback", "n");

    /** Fields OpenAI clients commonly send at values that ask for nothing. */
    private static final Map<String, Fields.NoOp> COMMON_NO_OPS = Map.of(
            "logit_bias", new Fields.NoOp(n -> n.isObject() && n.isEmpty(), "an empty logit_bias"));

    /**
     * Fields clients send that change nothing in what this server generates, accepted at any value
     * (docs/openai-fields.md says why for each).
     */
    private static final Set<String> IGNORED = Set.of("store", "metadata", "service_tier", "prediction");

    /** The shared fields and an endpoint's {@code own}. */
    static Set<String> fields(String... own) {
        return plus(plus(COMMON, FormatJson.NAMES), List.of(own));
    }

    /** The fields every endpoint accepts and ignores, and an endpoint's {@code own}. */
    static Set<String> ignored(String... own) {
        return plus(IGNORED, List.of(own));
    }

    private static Set<String> plus(Set<String> set, List<String> more) {
        Set<String> s = new HashSet<>(set);
        s.addAll(more);
        return Set.copyOf(s);
    }

    /** The shared no-op fields and an endpoint's {@code own}. */
    static Map<String, Fields.NoOp> noOps(Map<String, Fields.NoOp> own) {
        Map<String, Fields.NoOp> m = new HashMap<>(COMMON_NO_OPS);
        m.putAll(own);
        return Map.copyOf(m);
    }

    /**
     * Reads the shared fields around the endpoint's own prompt, length and logprobs fields.
     *
     * @param maxTokensField the name the client gave {@code maxTokens}
     */
    static GenerationCall read(Fields f, Prompt prompt, Integer maxTokens, String maxTokensField, Integer logprobs,
                               String requestId) {
        Integer topK = f.integer("top_k");
        SamplingOverrides sampling = new SamplingOverrides(f.number("temperature"),
                topK != null && topK == -1 ? Integer.valueOf(0) : topK, // vLLM spells "keep all" as -1, Ferry as 0
                f.number("top_p"), f.number("min_p"), f.number("repetition_penalty"), f.number("presence_penalty"),
                f.number("frequency_penalty"), f.int64("seed"), logprobs);
        boolean stream = f.bool("stream", false);
        InferenceRequest request = new InferenceRequest(f.string("model"), prompt, maxTokens, sampling,
                f.strings("stop"), f.integers("stop_token_ids"), f.bool("ignore_eos", false), priority(f),
                f.string("user"), requestId, 0, Transport.HTTP, f.bool("allow_fallback"), FormatFields.read(f),
                f.integer("n"));
        return new GenerationCall(request, stream, includeUsage(f, stream), maxTokensField, f.unknownFields());
    }

    private static Priority priority(Fields f) {
        String p = f.string("priority");
        if (p == null) {
            return null;
        }
        return switch (p) {
            case "interactive" -> Priority.INTERACTIVE;
            case "batch" -> Priority.BATCH;
            default -> throw ApiException.invalid("priority", "must be \"interactive\" or \"batch\", got \"" + p + "\"");
        };
    }

    private static boolean includeUsage(Fields f, boolean stream) {
        JsonNode options = f.node("stream_options");
        if (options == null) {
            return false;
        }
        if (!stream) {
            throw ApiException.invalid("stream_options", "is only allowed when stream is true");
        }
        if (!options.isObject()) {
            throw Fields.wrongType("stream_options", "an object", options);
        }
        JsonNode usage = options.get("include_usage");
        if (usage != null && !usage.isNull() && !usage.isBoolean()) {
            throw Fields.wrongType("stream_options.include_usage", "true or false", usage);
        }
        return usage != null && usage.asBoolean();
    }
}
