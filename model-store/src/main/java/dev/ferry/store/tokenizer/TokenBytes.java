package dev.ferry.store.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The bytes each token id adds to the output text, read from tokenizer.json: what a grammar matches
 * tokens by. Byte-level BPE vocabularies (GPT-2, Llama 3, Qwen) spell bytes with GPT-2's alphabet,
 * so a token may hold part of a UTF-8 character; SentencePiece-style ones (Llama 2, Mistral, Gemma)
 * spell a space as U+2581 and fall back to {@code <0xHH>} byte tokens. Any other decoder is asked
 * for each token's text on its own. Special tokens, ids the vocabulary leaves unused, and tokens
 * whose text cannot be known on their own get null: a grammar never allows them.
 */
final class TokenBytes {
    private static final char METASPACE = '\u2581';
    private static final Pattern BYTE_FALLBACK = Pattern.compile("<0x([0-9A-Fa-f]{2})>");

    private TokenBytes() {
    }

    /**
     * @param json the parsed tokenizer.json
     * @param size the number of ids
     * @param decodeAlone a token's text as the tokenizer decodes it on its own (the last resort)
     */
    static byte[][] read(JsonNode json, int size, IntFunction<String> decodeAlone) {
        byte[][] bytes = new byte[size][];
        JsonNode decoder = json.path("decoder");
        Spelling spelling = hasDecoder(decoder, "ByteLevel") ? Spelling.BYTE_LEVEL
                : hasDecoder(decoder, "Metaspace") || replacesMetaspace(decoder) ? Spelling.METASPACE
                : Spelling.OTHER;
        boolean byteFallback = hasDecoder(decoder, "ByteFallback");
        JsonNode vocab = json.path("model").path("vocab");
        if (vocab.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                int id = e.getValue().asInt(-1);
                if (id >= 0 && id < size) {
                    bytes[id] = spell(e.getKey(), spelling, byteFallback, id, decodeAlone);
                }
            }
        } else if (vocab.isArray()) { // Unigram: [piece, score] pairs, the id is the index
            for (int id = 0; id < Math.min(size, vocab.size()); id++) {
                bytes[id] = spell(vocab.get(id).path(0).asText(), spelling, byteFallback, id, decodeAlone);
            }
        }
        for (JsonNode added : json.path("added_tokens")) {
            int id = added.path("id").asInt(-1);
            if (id >= 0 && id < size) {
                // Added tokens are matched and decoded as their plain content, never through the model's spelling.
                bytes[id] = added.path("special").asBoolean(false) ? null
                        : added.path("content").asText().getBytes(StandardCharsets.UTF_8);
            }
        }
        return bytes;
    }

    private enum Spelling { BYTE_LEVEL, METASPACE, OTHER }

    private static byte[] spell(String token, Spelling spelling, boolean byteFallback, int id,
                                IntFunction<String> decodeAlone) {
        switch (spelling) {
            case BYTE_LEVEL:
                return byteLevel(token);
            case METASPACE:
                Matcher m = BYTE_FALLBACK.matcher(token);
                if (byteFallback && m.matches()) {
                    return new byte[] {(byte) Integer.parseInt(m.group(1), 16)};
                }
                return token.replace(METASPACE, ' ').getBytes(StandardCharsets.UTF_8);
            default:
                String text = decodeAlone.apply(id);
                return text.indexOf('\uFFFD') >= 0 ? null : text.getBytes(StandardCharsets.UTF_8);
        }
    }

    private static byte[] byteLevel(String token) {
        byte[] out = new byte[token.length()];
        for (int i = 0; i < token.length(); i++) {
            int b = ByteLevelAlphabet.byteOf(token.charAt(i));
            if (b < 0) {
                return token.getBytes(StandardCharsets.UTF_8); // not spelled in the alphabet: plain text
            }
            out[i] = (byte) b;
        }
        return out;
    }

    /** Whether the decoder, or one in its sequence, has this type. */
    private static boolean hasDecoder(JsonNode decoder, String type) {
        if (type.equals(decoder.path("type").asText())) {
            return true;
        }
        for (JsonNode d : decoder.path("decoders")) {
            if (type.equals(d.path("type").asText())) {
                return true;
            }
        }
        return false;
    }

    /** Llama 2 style: a Replace decoder that turns U+2581 back into a space. */
    private static boolean replacesMetaspace(JsonNode decoder) {
        for (JsonNode d : decoder.path("decoders")) {
            if ("Replace".equals(d.path("type").asText())
                    && String.valueOf(METASPACE).equals(d.path("pattern").path("String").asText())) {
                return true;
            }
        }
        return false;
    }
}
