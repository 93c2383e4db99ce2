package dev.ferry.server.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * A {@code --requests-file} (JSON Lines, one request per line, as {@code ferry generate} reads it)
 * as the bodies of {@code /v1/completions} calls, for warming a server's caches. A line may name its
 * {@code model}; the others get the default one. Every line is checked before anything is sent; an
 * error names the file, the line and the field.
 */
final class WarmRequests {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** {@code ferry generate}'s fields, which /v1/completions takes as they are, and the model. */
    private static final Set<String> PASSED_ON = Set.of("prompt", "max_tokens", "temperature", "top_p", "top_k",
            "min_p", "seed", "stop", "stop_token_ids", "ignore_eos", "repetition_penalty", "presence_penalty",
            "frequency_penalty", "logprobs", "priority", "response_format", "model");

    private WarmRequests() {
    }

    /**
     * @param defaultModel the model of lines that name none; null when every line must name one
     * @return one request body per line (blank lines skipped), in order
     */
    static List<String> read(Path file, String defaultModel) throws IOException {
        List<String> lines = Files.readAllLines(file);
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).isBlank()) {
                String where = file.getFileName() + " line " + (i + 1);
                try {
                    bodies.add(body(JSON.readTree(lines.get(i)), where, defaultModel));
                } catch (JsonProcessingException e) {
                    throw new IllegalArgumentException(where + ": invalid JSON: " + e.getOriginalMessage());
                }
            }
        }
        if (bodies.isEmpty()) {
            throw new IllegalArgumentException(file.getFileName() + ": no requests");
        }
        return bodies;
    }

    private static String body(JsonNode line, String where, String defaultModel) {
        if (!line.isObject()) {
            throw new IllegalArgumentException(where + ": expected a JSON object");
        }
        ObjectNode body = JSON.createObjectNode();
        for (Iterator<String> it = line.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (f.equals("prompt_ids")) {
                body.set("prompt", line.get(f)); // /v1/completions takes a prompt of token ids as well
            } else if (PASSED_ON.contains(f)) {
                body.set(f, line.get(f));
            } else if (!f.equals("id")) { // an id names the line's output in ferry generate: nothing to warm
                throw new IllegalArgumentException(where + ": unknown field '" + f + "'");
            }
        }
        if (line.has("prompt") == line.has("prompt_ids")) {
            throw new IllegalArgumentException(where + ": give exactly one of 'prompt' and 'prompt_ids'");
        }
        if (!body.has("model")) {
            if (defaultModel == null) {
                throw new IllegalArgumentException(where + ": field 'model' is needed: give --model, or name it on "
                        + "each line (the server serves more than one)");
            }
            body.put("model", defaultModel);
        }
        return body.toString();
    }
}
