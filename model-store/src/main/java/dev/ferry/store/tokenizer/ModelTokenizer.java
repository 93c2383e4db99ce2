package dev.ferry.store.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.store.ModelLoadException;
import dev.ferry.store.config.JsonFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A model's tokenizer through the Hugging Face tokenizers library (DJL's binding): text to ids with
 * the model's template (BOS for Llama and Mistral), ids back to text. Never truncates or pads: the
 * engine decides what fits.
 */
public final class ModelTokenizer implements AutoCloseable {
    public static final String FILE = "tokenizer.json";

    private final HuggingFaceTokenizer tokenizer;
    private final Path file;
    private final int size;
    private final Set<Integer> specialIds;

    private ModelTokenizer(HuggingFaceTokenizer tokenizer, Path file, int size, Set<Integer> specialIds) {
        this.tokenizer = tokenizer;
        this.file = file;
        this.size = size;
        this.specialIds = specialIds;
    }

    public static ModelTokenizer open(Path file) {
        ObjectNode json = JsonFiles.readObject(file);
        int size = 0;
        Set<Integer> special = new HashSet<>();
        JsonNode vocab = json.path("model").path("vocab");
        if (vocab.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
                size = Math.max(size, it.next().getValue().asInt() + 1);
            }
        } else if (vocab.isArray()) { // Unigram models list [piece, score] pairs
            size = vocab.size();
        }
        for (JsonNode added : json.path("added_tokens")) {
            size = Math.max(size, added.path("id").asInt() + 1);
            if (added.path("special").asBoolean(false)) {
                special.add(added.path("id").asInt());
            }
        }
        if (size == 0) {
            throw new ModelLoadException(FILE + ": no vocabulary found under 'model.vocab'");
        }
        try {
            HuggingFaceTokenizer tok = HuggingFaceTokenizer.newInstance(file,
                    Map.of("truncation", "false", "padding", "false", "addSpecialTokens", "true"));
            return new ModelTokenizer(tok, file, size, Set.copyOf(special));
        } catch (IOException | RuntimeException e) {
            throw new ModelLoadException(FILE + ": the tokenizers library rejected it: " + e.getMessage(), e);
        }
    }

    /** Number of token ids the tokenizer can produce (its highest id + 1). */
    public int size() {
        return size;
    }

    public boolean isSpecial(int id) {
        return specialIds.contains(id);
    }

    /** Encodes with the model's template (e.g. a leading BOS) when {@code addSpecialTokens}. */
    public int[] encode(String text, boolean addSpecialTokens) {
        long[] ids = tokenizer.encode(text, addSpecialTokens, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    /**
     * The tokens {@link #encode} makes of {@code text}, as the vocabulary spells them ("▁Hello",
     * "Ġworld": transformers' convert_ids_to_tokens), for clients inspecting a tokenization.
     */
    public List<String> tokenStrings(String text, boolean addSpecialTokens) {
        return List.of(tokenizer.encode(text, addSpecialTokens, false).getTokens());
    }

    public String decode(int[] ids, int from, int to, boolean skipSpecialTokens) {
        long[] l = new long[to - from];
        for (int i = from; i < to; i++) {
            l[i - from] = ids[i];
        }
        return tokenizer.decode(l, skipSpecialTokens);
    }

    public String decode(int[] ids) {
        return decode(ids, 0, ids.length, true);
    }

    /** One token on its own, special tokens included (the text of a logprobs alternative). */
    public String tokenText(int id) {
        return tokenizer.decode(new long[] {id}, false);
    }

    /**
     * The bytes each id adds to the output text, null for special tokens and unused ids: what a
     * grammar matches tokens by. Reads tokenizer.json again, so call it once and keep the result.
     */
    public byte[][] tokenBytes() {
        return TokenBytes.read(JsonFiles.readObject(file), size, this::tokenText);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
