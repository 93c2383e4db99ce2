package dev.ferry.server.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.engine.api.GenerateRequest;
import dev.ferry.engine.api.OutputConstraint;
import dev.ferry.engine.api.OutputFormat;
import dev.ferry.engine.api.Priority;
import dev.ferry.engine.api.SamplingParams;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.serving.FormatJson;
import dev.ferry.store.tokenizer.ModelTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads a JSON Lines file of requests for offline batch generation. Every line is validated before
 * anything runs; an error names the file, the line and the field. It is read before the model loads
 * (the requests size its KV pool), so a line's {@code response_format} is compiled afterwards, by
 * {@link Line#request(Function)}.
 */
final class RequestsFile {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> FIELDS = Set.of("prompt", "prompt_ids", "max_tokens", "temperature", "top_p",
            "top_k", "min_p", "seed", "stop", "stop_token_ids", "ignore_eos", "repetition_penalty", "presence_penalty",
            "frequency_penalty", "logprobs", "priority", "id", "response_format");

    private final ModelTokenizer tokenizer;
    private final SamplingParams defaults;
    private final int defaultMaxTokens;

    /**
     * One line: its request without the output format, and the format (null for free text).
     *
     * @param where the file and line, for errors
     */
    record Line(GenerateRequest unformatted, OutputFormat format, String where) {
        /** The request with its format compiled by {@code formats}; an error names the line. */
        GenerateRequest request(Function<OutputFormat, OutputConstraint> formats) {
            if (format == null) {
                return unformatted;
            }
            try {
                return unformatted.withConstraint(formats.apply(format));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
            }
        }
    }

    RequestsFile(ModelTokenizer tokenizer, SamplingParams defaults, int defaultMaxTokens) {
        this.tokenizer = tokenizer;
        this.defaults = defaults;
        this.defaultMaxTokens = defaultMaxTokens;
    }

    List<Line> read(Path file) throws IOException {
        List<Line> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            String where = file.getFileName() + " line " + (i + 1);
            try {
                out.add(parse(JSON.readTree(lines.get(i)), where, out.size()));
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(where + ": invalid JSON: " + e.getOriginalMessage());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(e.getMessage().startsWith(where) ? e.getMessage() : where + ": " + e.getMessage(), e);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file.getFileName() + ": no requests");
        }
        return out;
    }

    private Line parse(JsonNode n, String where, int index) {
        if (!n.isObject()) {
            throw new IllegalArgumentException(where + ": expected a JSON object");
        }
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw new IllegalArgumentException(where + ": unknown field '" + f + "'");
            }
        }
        int[] prompt;
        if (n.has("prompt") == n.has("prompt_ids")) {
            throw new IllegalArgumentException(where + ": give exactly one of 'prompt' and 'prompt_ids'");
        }
        if (n.has("prompt")) {
            if (!n.get("prompt").isTextual() || n.get("prompt").asText().isEmpty()) {
                throw new IllegalArgumentException(where + ": field 'prompt' must be a non-empty string");
            }
            prompt = tokenizer.encode(n.get("prompt").asText(), true);
        } else {
            prompt = ints(n.get("prompt_ids"), "prompt_ids", where);
        }
        SamplingParams s = new SamplingParams(num(n, "temperature", defaults.temperature(), where),
                (int) integer(n, "top_k", defaults.topK(), where), num(n, "top_p", defaults.topP(), where),
                num(n, "min_p", defaults.minP(), where), num(n, "repetition_penalty", defaults.repetitionPenalty(), where),
                num(n, "presence_penalty", defaults.presencePenalty(), where),
                num(n, "frequency_penalty", defaults.frequencyPenalty(), where),
                n.has("seed") ? integer(n, "seed", 0, where) : defaults.seed() + index,
                (int) integer(n, "logprobs", defaults.logprobs(), where));
        List<String> stop = new ArrayList<>();
        JsonNode st = n.get("stop");
        if (st != null && !st.isNull()) {
            if (st.isTextual()) {
                stop.add(st.asText());
            } else if (st.isArray()) {
                st.forEach(x -> stop.add(x.asText()));
            } else {
                throw new IllegalArgumentException(where + ": field 'stop' must be a string or a list of strings");
            }
        }
        List<Integer> stopIds = new ArrayList<>();
        if (n.has("stop_token_ids")) {
            for (int id : ints(n.get("stop_token_ids"), "stop_token_ids", where)) {
                stopIds.add(id);
            }
        }
        Priority priority = Priority.INTERACTIVE;
        if (n.has("priority")) {
            try {
                priority = Priority.valueOf(n.get("priority").asText().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": field 'priority' must be interactive or batch");
            }
        }
        GenerateRequest request = new GenerateRequest(n.has("id") ? n.get("id").asText() : String.valueOf(index), prompt,
                (int) integer(n, "max_tokens", defaultMaxTokens, where), s, stopIds, stop,
                n.path("ignore_eos").asBoolean(false), priority, 0, null);
        return new Line(request, format(n.get("response_format")), where);
    }

    /** The line's {@code response_format} (OpenAI's form); null for free text. */
    private static OutputFormat format(JsonNode responseFormat) {
        try {
            return FormatJson.read("response_format", responseFormat);
        } catch (ApiException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static int[] ints(JsonNode a, String field, String where) {
        if (a == null || !a.isArray()) {
            throw new IllegalArgumentException(where + ": field '" + field + "' must be a list of token ids");
        }
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            if (!a.get(i).isIntegralNumber()) {
                throw new IllegalArgumentException(where + ": field '" + field + "' must hold integers, got " + a.get(i));
            }
            out[i] = a.get(i).asInt();
        }
        return out;
    }

    private static double num(JsonNode n, String field, double dflt, String where) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isNumber()) {
            throw new IllegalArgumentException(where + ": field '" + field + "' must be a number, got " + v);
        }
        return v.asDouble();
    }

    private static long integer(JsonNode n, String field, long dflt, String where) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isIntegralNumber()) {
            throw new IllegalArgumentException(where + ": field '" + field + "' must be an integer, got " + v);
        }
        return v.asLong();
    }
}
