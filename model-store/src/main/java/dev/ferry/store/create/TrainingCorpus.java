package dev.ferry.store.create;

/**
 * The English text the dummy tokenizers learn their merges from. It is the Python oracle's corpus
 * character for character, so a tiny model's tokenizer.json equals the golden fixtures' byte for byte.
 */
final class TrainingCorpus {
    static final String TEXT = """
            The quick brown fox jumps over the lazy dog. A small model learns to read and write
            the words of a language one piece at a time. It's not magic: the tokenizer splits text into
            bytes, then merges the pairs that appear most often, and the network predicts what comes next.
            We'll test the engine on short prompts, long prompts, numbers like 1234 and 2024, and
            punctuation (commas, periods; colons: and "quotes"). They're simple tests, but they've found
            many bugs before. The reference runs in double precision, so the engine should agree with it
            to within a few parts in a million when both use the same weights. When the answers differ,
            look first at the rotary position embedding, then at the attention mask, then at the norms.
            Once upon a time there was a little robot who liked to count: one, two, three, four, five.
            Every morning the robot said hello to the sun, and every evening it said good night to the moon.
            """;

    private TrainingCorpus() {
    }
}
