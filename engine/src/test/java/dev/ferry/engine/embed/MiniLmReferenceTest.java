package dev.ferry.engine.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.ferry.engine.LoadedEncoder;
import dev.ferry.engine.api.LoadOptions;
import dev.ferry.store.onnx.MiniLmFolder;
import dev.ferry.store.ModelFolder;
import dev.langchain4j.model.embedding.onnx.OnnxEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ferry's encoder on real trained weights against an independent implementation: all-MiniLM-L6-v2
 * converted from LangChain4j's ONNX file ({@link MiniLmFolder}) and embedded by Ferry must point
 * the same way (cosine ≥ 0.9999) as LangChain4j's onnxruntime model of that file, which mean-pools
 * and normalizes. Both embed the same ids: LangChain4j tokenizes, splits at 510 tokens and
 * re-encodes each part's text ({@link #referenceIds} does the same), so every text here stays
 * within one part. Each text is checked alone and inside mixed batches of texts of other lengths.
 *
 * <p>{@link AllMiniLmL6V2EmbeddingModel} itself embeds at most 128 tokens: its tokenizer.json
 * carries truncation and fixed padding at 128, and DJL still truncates there with padding switched
 * off. So the reference for longer texts is LangChain4j's {@link OnnxEmbeddingModel} on the same
 * ONNX file with both settings removed; the shipped class is checked on what it embeds, the first
 * 128 tokens.
 */
class MiniLmReferenceTest {
    private static final double MIN_COSINE = 0.9999;
    private static final int LANGCHAIN4J_PART = 510;
    private static final int SHIPPED_TRUNCATION = 128;

    private static final String LONG_TEXT = """
            Retrieval augmented generation starts with a corpus of documents that are split into passages of a few \
            hundred words each. Every passage is turned into a vector by an embedding model, and the vectors are kept \
            in an index that can find the nearest neighbours of a query quickly. When a user asks a question, the \
            question is embedded by the same model, the index returns the passages whose vectors lie closest to it, \
            and those passages are placed in the prompt of a language model, which writes an answer grounded in them. \
            The quality of the whole system depends on the embedding model more than people expect: if two passages \
            that mean the same thing land far apart, the right one is never retrieved, and no amount of prompting can \
            recover it. Small models such as MiniLM are popular because they are fast on ordinary processors, produce \
            short vectors that are cheap to store, and were trained on a billion sentence pairs from forums, question \
            answering sites and scientific papers. Serving them well is mostly a matter of batching: a single sentence \
            leaves most of the processor idle, while a batch of sentences of similar length keeps every core busy \
            and wastes little work on padding. A server therefore waits a few milliseconds for more requests to \
            arrive, groups inputs of similar length, runs them together, and hands each client its vectors in the \
            order it sent them. Caching helps too, since the same passages are often embedded again when an index is \
            rebuilt, and the same questions are asked by many users. Finally, the vectors should be normalized, so \
            that the dot product of two of them is their cosine similarity, which is what most vector databases \
            compute when they rank results for a query, and what applications compare against a threshold.""";

    private static final String MEDIUM_TEXT = """
            The river ferry left the northern landing at seven, carrying three cars, a bicycle and a dozen people \
            who read newspapers or watched the fog lift from the water. On the far bank the road climbed through \
            orchards toward the village, where the bakery had already sold most of its bread.""";

    static final List<String> TEXTS = List.of(
            "Hello world",
            "a",
            "?",
            "The quick brown fox jumps over the lazy dog.",
            "A man is eating food.",
            "A man is eating a piece of bread.",
            "A man is eating pasta.",
            "The cat sits outside",
            "The cat sits outside.",
            "THE CAT SITS OUTSIDE",
            "Don't stop believing; it's what we've got.",
            "Embeddings map sentences to vectors so that similar meanings end up close together.",
            "Café naïve résumé — déjà vu",
            "東京は日本の首都です。",
            "Привет, как дела?",
            "emoji 🚀🔥 and symbols ∑∫√",
            "   leading and trailing spaces   ",
            "tabs\tand\nnewlines\r\nmixed   with  runs of   spaces",
            "1234567890 3.14159 2024-12-07",
            "https://example.com/path?query=1&x=y",
            "Supercalifragilisticexpialidocious antidisestablishmentarianism",
            MEDIUM_TEXT,
            LONG_TEXT);

    @TempDir
    static Path dir;

    private static ModelFolder folder;
    private static LoadedEncoder ferry;
    private static HuggingFaceTokenizer langchain4jTokenizer;
    private static List<int[]> ids;
    private static List<float[]> reference;

    @BeforeAll
    static void load() throws IOException {
        folder = ModelFolder.open(MiniLmFolder.write(dir.resolve("all-MiniLM-L6-v2")));
        ferry = LoadedEncoder.load(folder, LoadOptions.defaults());
        Path tokenizer = MiniLmFolder.untruncatedTokenizer(dir.resolve("all-MiniLM-L6-v2/tokenizer.json"), dir.resolve("reference.json"));
        // as OnnxBertBiEncoder opens it: padding off
        langchain4jTokenizer = HuggingFaceTokenizer.newInstance(tokenizer, Map.of("padding", "false"));
        OnnxEmbeddingModel onnx = new OnnxEmbeddingModel(MiniLmFolder.extractOnnx(dir.resolve("model.onnx")),
                tokenizer, PoolingMode.MEAN);
        ids = new ArrayList<>();
        reference = new ArrayList<>();
        for (String text : TEXTS) {
            ids.add(referenceIds(text));
            reference.add(onnx.embed(text).content().vector());
        }
    }

    @AfterAll
    static void close() {
        ferry.close();
        folder.close();
        langchain4jTokenizer.close();
    }

    @Test
    void eachTextAloneMatchesOnnxruntime() {
        for (int i = 0; i < TEXTS.size(); i++) {
            float[] v = ferry.embed(List.of(ids.get(i)))[0];
            assertCosine(i, reference.get(i), v);
            assertEquals(1.0, norm(v), 1e-5, "normalized");
        }
    }

    @Test
    void textsInsideMixedBatchesMatchOnnxruntime() {
        int longest = TEXTS.indexOf(LONG_TEXT);
        int medium = TEXTS.indexOf(MEDIUM_TEXT);
        List<Integer> shortOnes = new ArrayList<>();
        for (int i = 0; i < TEXTS.size(); i++) {
            if (i != longest && i != medium) {
                shortOnes.add(i);
            }
        }
        // the short texts together, then the long ones among short ones
        check(shortOnes);
        check(List.of(1, longest, 4, medium, 2, 13));
    }

    /** The class LangChain4j ships embeds the first 128 tokens of a longer text: Ferry agrees on those. */
    @Test
    void shippedModelMatchesOnWhatItEmbeds() {
        AllMiniLmL6V2EmbeddingModel shipped = new AllMiniLmL6V2EmbeddingModel();
        for (String text : List.of(TEXTS.get(4), LONG_TEXT)) {
            int[] all = ids.get(TEXTS.indexOf(text));
            int[] head = Arrays.copyOf(all, Math.min(all.length, SHIPPED_TRUNCATION));
            head[head.length - 1] = all[all.length - 1]; // [SEP] stays, as the tokenizer's truncation keeps it
            int index = TEXTS.indexOf(text);
            assertCosine(index, shipped.embed(text).content().vector(), ferry.embed(List.of(head))[0]);
        }
    }

    /** Ferry's own tokenization (what the server uses) gives LangChain4j's ids for every text here. */
    @Test
    void ferrysTokenizationMatchesTheReferences() {
        for (int i = 0; i < TEXTS.size(); i++) {
            assertArrayEquals(ids.get(i), ferry.encode(TEXTS.get(i)), TEXTS.get(i));
        }
        assertTrue(ids.get(TEXTS.indexOf(LONG_TEXT)).length > 256, "the long text passes all-MiniLM's 256-token default");
    }

    private static void check(List<Integer> indices) {
        List<int[]> batch = indices.stream().map(ids::get).toList();
        float[][] out = ferry.embed(batch);
        for (int k = 0; k < indices.size(); k++) {
            assertCosine(indices.get(k), reference.get(indices.get(k)), out[k]);
        }
    }

    /** LangChain4j's ids for a text that fits one of its parts: tokens, then the part's text encoded again. */
    private static int[] referenceIds(String text) {
        List<String> tokens = langchain4jTokenizer.tokenize(text);
        List<String> inner = tokens.subList(1, tokens.size() - 1);
        assertTrue(inner.size() <= LANGCHAIN4J_PART, "one part: " + inner.size() + " tokens");
        String sentence = langchain4jTokenizer.buildSentence(inner);
        List<String> again = new LinkedList<>(langchain4jTokenizer.tokenize(sentence));
        again.remove(0);
        again.remove(again.size() - 1);
        String part = again.equals(inner) ? sentence : String.join("", inner);
        long[] l = langchain4jTokenizer.encode(part, true, false).getIds();
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            out[i] = (int) l[i];
        }
        return out;
    }

    private static void assertCosine(int index, float[] expected, float[] actual) {
        double dot = 0;
        for (int i = 0; i < expected.length; i++) {
            dot += (double) expected[i] * actual[i];
        }
        double cos = dot / (norm(expected) * norm(actual));
        assertTrue(cos >= MIN_COSINE, "text " + index + " (" + ids.get(index).length + " tokens): cosine " + cos
                + " with onnxruntime's: " + TEXTS.get(index));
    }

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }
}
