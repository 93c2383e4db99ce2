package dev.ferry.server.api;

import java.util.Arrays;

/** One input of an embeddings request: text the model's tokenizer encodes, or token ids sent as they are. */
public sealed interface EmbeddingInput {

    /** Text; the model adds its special tokens ([CLS] … [SEP]) when it encodes it. */
    record Text(String text) implements EmbeddingInput {}

    /** Token ids, embedded exactly as given (special tokens are the client's to include). */
    record Ids(int[] ids) implements EmbeddingInput {
        @Override
        public boolean equals(Object o) {
            return o instanceof Ids other && Arrays.equals(ids, other.ids);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(ids);
        }

        @Override
        public String toString() {
            return "Ids" + Arrays.toString(ids);
        }
    }
}
