package dev.ferry.bench.load;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The body both HTTP clients send: a streamed {@code /v1/completions} of token ids with
 * {@code ignore_eos}, {@code logprobs: 0} (tokens counted per event, see {@link HttpLoadClient}) and
 * the usage event at the end.
 */
final class CompletionBody {
    private static final ObjectMapper JSON = new ObjectMapper();

    private CompletionBody() {}

    static byte[] json(String model, float temperature, BenchRequest r) {
        ObjectNode body = JSON.createObjectNode().put("model", model).put("max_tokens", r.outputTokens())
                .put("temperature", temperature).put("ignore_eos", true).put("stream", true).put("logprobs", 0);
        var prompt = body.putArray("prompt");
        for (int id : r.promptIds()) {
            prompt.add(id);
        }
        body.putObject("stream_options").put("include_usage", true);
        try {
            return JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // a tree of numbers and strings always serializes
        }
    }
}
