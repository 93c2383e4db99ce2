package dev.ferry.store.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.store.ModelFolder;
import dev.ferry.store.create.ModelArch;
import dev.ferry.store.create.ModelCreator;
import dev.ferry.store.create.ModelPreset;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Streaming ids through {@link IncrementalDetokenizer} one at a time gives exactly the text a
 * one-shot decode gives, and never shows a half-decoded character, with the tiny models' real
 * byte-level tokenizers (where one emoji or CJK character is several tokens).
 */
class IncrementalDetokenizerTest {
    private static final List<String> TEXTS = List.of(
            "Hello, world! The quick brown fox jumps over the lazy dog.",
            "naïve café, déjà vu: Ångström in Zürich and São Paulo, e\u0301 combining",
            "日本語のテキストと中文文本，还有한국어도 있습니다。",
            "مرحبا بالعالم، كيف حالك اليوم؟",
            "family 👨‍👩‍👧‍👦 then 👩🏽‍💻 and flags 🇫🇷🇯🇵, thumbs 👍🏽 ✔️ ❤️‍🔥",
            "a😀b漢c𝔘d 𝑥² ∑∞≠≤ end",
            "😀😀😀😀😀😀😀😀😀😀😀😀",
            "  leading, tabs\tand\nnewlines,  double  spaces, trailing ");

    private static final Map<ModelArch, ModelFolder> MODELS = new EnumMap<>(ModelArch.class);

    @TempDir
    static Path dir;

    @BeforeAll
    static void createTinyModels() throws IOException {
        var creator = new ModelCreator(new PrintStream(OutputStream.nullOutputStream()));
        for (ModelArch arch : ModelArch.decoders()) {
            Path m = dir.resolve(arch.cliName());
            creator.create(ModelPreset.TINY.spec(arch), m);
            MODELS.put(arch, ModelFolder.open(m));
        }
    }

    @AfterAll
    static void closeModels() {
        MODELS.values().forEach(ModelFolder::close);
    }

    /** Every delta the detokenizer returns for {@code ids}, fed one at a time, with the flush last. */
    private static List<String> deltas(ModelTokenizer tok, int[] ids) {
        var detok = new IncrementalDetokenizer(tok);
        List<String> out = new ArrayList<>();
        for (int id : ids) {
            out.add(detok.add(id));
        }
        out.add(detok.flush());
        return out;
    }

    private static void assertNoLoneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                assertTrue(i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1)), "lone high surrogate in " + s);
                i++;
            } else {
                assertFalse(Character.isLowSurrogate(c), "lone low surrogate in " + s);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"BERT", "XLM_ROBERTA"}, mode = EnumSource.Mode.EXCLUDE)
    void deltasConcatenateToTheFullDecodeWithoutHalfCharacters(ModelArch arch) {
        ModelTokenizer tok = MODELS.get(arch).tokenizer();
        for (String text : TEXTS) {
            int[] ids = tok.encode(text, true);
            List<String> deltas = deltas(tok, ids);
            for (String d : deltas) {
                assertFalse(d.contains("\uFFFD"), () -> "delta " + d + " of " + text + " holds U+FFFD: " + deltas);
                assertNoLoneSurrogate(d);
            }
            assertEquals(tok.decode(ids), String.join("", deltas), text);
            assertEquals(text, String.join("", deltas)); // byte-level BPE round-trips exactly
        }
    }

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"BERT", "XLM_ROBERTA"}, mode = EnumSource.Mode.EXCLUDE)
    void characterSplitAcrossTokensIsHeldBackUntilComplete(ModelArch arch) {
        ModelTokenizer tok = MODELS.get(arch).tokenizer();
        int[] ids = tok.encode("👨‍👩‍👧‍👦", false);
        // the point of the test: the family emoji's tokens do not each decode to whole characters
        assertTrue(IntStream.of(ids).anyMatch(id -> tok.decode(new int[] {id}).contains("\uFFFD")));
        List<String> deltas = deltas(tok, ids);
        assertTrue(deltas.contains(""), "no token was held back: " + deltas);
        assertEquals("👨‍👩‍👧‍👦", String.join("", deltas));
    }

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"BERT", "XLM_ROBERTA"}, mode = EnumSource.Mode.EXCLUDE)
    void specialTokensProduceNoText(ModelArch arch) {
        ModelFolder model = MODELS.get(arch);
        ModelTokenizer tok = model.tokenizer();
        int bos = model.config().bosTokenId();
        int eos = model.eosTokenIds().get(0);
        assertTrue(tok.isSpecial(bos) && tok.isSpecial(eos));
        var detok = new IncrementalDetokenizer(tok);
        assertEquals("", detok.add(bos));
        StringBuilder text = new StringBuilder();
        for (int id : tok.encode("Hi 👋 there", false)) {
            text.append(detok.add(id));
        }
        assertEquals("", detok.add(bos));
        assertEquals("", detok.add(eos));
        text.append(detok.flush());
        assertEquals("Hi 👋 there", text.toString());
    }

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"BERT", "XLM_ROBERTA"}, mode = EnumSource.Mode.EXCLUDE)
    void randomIdsNeverThrowAndConcatenateToTheFullDecode(ModelArch arch) {
        ModelTokenizer tok = MODELS.get(arch).tokenizer();
        Random random = new Random(arch.ordinal());
        for (int trial = 0; trial < 20; trial++) {
            // about half the vocabulary is single bytes, so these streams hold plenty of invalid UTF-8
            int[] ids = random.ints(1 + random.nextInt(200), 0, tok.size()).toArray();
            List<String> deltas = deltas(tok, ids);
            deltas.forEach(IncrementalDetokenizerTest::assertNoLoneSurrogate);
            assertEquals(tok.decode(ids), String.join("", deltas), () -> "ids " + Arrays.toString(ids));
        }
    }

    /**
     * A Llama 2 / Mistral v0.1 style tokenizer: sentencepiece BPE whose unknown characters fall back
     * to {@code <0xXX>} byte tokens. Its ByteFallback decoder turns a whole run of byte tokens into
     * U+FFFDs when the run is not valid UTF-8, so a decode window that starts inside a character
     * spoils every character after it in the run.
     */
    private static ModelTokenizer byteFallbackTokenizer(Path file) throws IOException {
        StringBuilder vocab = new StringBuilder("\"<unk>\": 0, \"<s>\": 1, \"</s>\": 2, \"\u2581\": 3");
        for (int b = 0; b < 256; b++) {
            vocab.append(", \"<0x%02X>\": %d".formatted(b, 4 + b));
        }
        for (char c = 'a'; c <= 'z'; c++) {
            vocab.append(", \"%c\": %d".formatted(c, 260 + c - 'a'));
        }
        Files.writeString(file, """
                {"version": "1.0", "truncation": null, "padding": null,
                 "added_tokens": [{"id": 1, "content": "<s>", "single_word": false, "lstrip": false, "rstrip": false,
                                   "normalized": false, "special": true}],
                 "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "\u2581"},
                                {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
                 "pre_tokenizer": null, "post_processor": null,
                 "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
                             {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
                 "model": {"type": "BPE", "dropout": null, "unk_token": "<unk>", "continuing_subword_prefix": null,
                           "end_of_word_suffix": null, "fuse_unk": true, "byte_fallback": true, "vocab": {%s}, "merges": []}}
                """.formatted(vocab));
        return ModelTokenizer.open(file);
    }

    @Test
    void byteFallbackRunsOfSeveralCharactersStreamIntact() throws IOException {
        try (ModelTokenizer tok = byteFallbackTokenizer(dir.resolve("byte-fallback-tokenizer.json"))) {
            for (String text : List.of("😀😀😀 a", "日本語テキスト x", "naïve é")) {
                int[] ids = tok.encode(text, false);
                List<String> deltas = deltas(tok, ids);
                assertEquals(text, tok.decode(ids));
                assertEquals(text, String.join("", deltas), () -> "deltas " + deltas);
                deltas.forEach(d -> assertFalse(d.contains("\uFFFD"), () -> "deltas " + deltas));
            }
        }
    }
}
