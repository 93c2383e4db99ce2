package dev.ferry.engine.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The golden reference models and outputs copied from shared/golden into test resources. */
public final class Golden {
    /**
     * The shared set, plus cases made with shared/oracle for what it lacks (extra-cases-spec.json):
     * Mistral's sliding window, llama3 rope scaling with attention biases and head_dim 24, BF16 and
     * F16 checkpoints, untied GPT-2 with a non-default MLP width; Qwen3 with head_dim 48 and one KV
     * head; Gemma 3 (F16) with a window of 3 under 13- and 29-token prompts, every other layer global,
     * both soft-caps set (the attention one inert, as in transformers); Phi-3 with half its dims
     * rotated and LongRoPE switching at 16 tokens: mid-generation for its 12-token prompt, before the
     * first for its 40-token one.
     */
    public static final List<String> MODELS = List.of("llama-tiny", "qwen2-tiny", "mistral-tiny", "gpt2-tiny",
            "qwen3-tiny", "gemma3-tiny", "phi3-tiny",
            "mistral-window4", "llama-rope-llama3-bias-hd24", "qwen2-bf16-untied", "gpt2-f16-untied-inner100",
            "qwen3-hd48-gqa4", "gemma3-window3-f16-caps", "phi3-longrope-switch16");

    /** One reference case: a prompt (text when it was encoded by the reference tokenizer), its greedy tokens, last logits. */
    public record Case(String promptText, int[] promptIds, int[] greedyIds, double[] greedyMargins, double[] lastLogits) {}

    private Golden() {}

    public static Path modelDir(String name) {
        return root().resolve(name).resolve("model");
    }

    public static Path root() {
        try {
            return Path.of(Golden.class.getResource("/golden").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static List<Case> cases(String name) {
        ObjectMapper mapper = new ObjectMapper();
        List<Case> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(root().resolve(name).resolve("cases.jsonl"))) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n = mapper.readTree(line);
                out.add(new Case(n.hasNonNull("prompt_text") ? n.get("prompt_text").asText() : null, ints(n.get("prompt_ids")), ints(n.get("greedy_ids")), doubles(n.get("greedy_margins")),
                        doubles(n.get("last_logits"))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }

    private static double[] doubles(JsonNode a) {
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asDouble();
        }
        return out;
    }

    /** ||a - b|| / ||b||. */
    public static double relativeL2(float[] a, double[] b) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < b.length; i++) {
            double d = a[i] - b[i];
            num += d * d;
            den += b[i] * b[i];
        }
        return Math.sqrt(num / den);
    }
}
