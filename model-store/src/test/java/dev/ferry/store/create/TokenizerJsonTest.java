package dev.ferry.store.create;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The created tokenizer.json loads in the real Hugging Face tokenizers library (through DJL) and round-trips text. */
class TokenizerJsonTest {
    private static final List<String> TEXTS = List.of(
            "The quick brown fox jumps over the lazy dog.",
            "It's 2024; they've counted 1234 numbers, 3.14159 and -42!",
            "日本語のテキストと中文字符，한국어도",
            "emoji 🦀🚀 and a family 👩‍👩‍👧 with ZWJ",
            "line one\nline two\r\n\ttabbed   spaced \n\n",
            "  leading and trailing spaces  ",
            "Ünïcödé àccents, NBSP\u00a0and ideographic\u3000space",
            "x");

    @TempDir
    Path dir;

    private HuggingFaceTokenizer load(ModelArch arch) throws IOException {
        Path out = dir.resolve(arch.cliName());
        new ModelCreator(new PrintStream(OutputStream.nullOutputStream())).create(ModelPreset.TINY.spec(arch), out);
        return HuggingFaceTokenizer.newInstance(out);
    }

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"BERT", "XLM_ROBERTA"}, mode = EnumSource.Mode.EXCLUDE)
    void encodeDecodeRoundTripsInHuggingFaceTokenizers(ModelArch arch) throws IOException {
        int bos = TokenizerJson.build(arch, 512, 1000).ids().bos();
        try (HuggingFaceTokenizer tok = load(arch)) {
            for (String text : TEXTS) {
                long[] ids = tok.encode(text).getIds();
                long[] plain = tok.encode(text, false, false).getIds();
                if (arch.specials().prependsBos()) {
                    assertEquals(bos, ids[0], () -> arch + " must start with BOS: " + Arrays.toString(ids));
                    assertArrayEquals(plain, Arrays.copyOfRange(ids, 1, ids.length));
                } else {
                    assertArrayEquals(plain, ids);
                }
                assertTrue(Arrays.stream(ids).allMatch(i -> i >= 0 && i < 512));
                assertEquals(text, tok.decode(ids, true), arch + " round trip");
                assertEquals(text, tok.decode(plain, false), arch + " round trip");
            }
        }
    }

    @Test
    void encodesLikeThePythonOracleWithSpecialTokensKeptWhole() throws IOException {
        try (HuggingFaceTokenizer tok = load(ModelArch.LLAMA)) {
            // ids from the oracle's bytebpe.Tokenizer on the same tokenizer.json
            assertArrayEquals(new long[] {288, 220, 504, 282, 508, 275, 484},
                    tok.encode("The quick brown fox", false, false).getIds()); // The Ġ quick Ġb rown Ġf ox
            assertArrayEquals(new long[] {259}, tok.encode(" the", false, false).getIds());
            long[] ids = tok.encode("hi<|eot_id|>there", false, false).getIds();
            assertArrayEquals(new long[] {71, 72, 511, 83, 257, 264}, ids);
            assertEquals("hithere", tok.decode(ids, true));
            assertEquals("hi<|eot_id|>there", tok.decode(ids, false));
        }
    }

    @Test
    void tokenizerConfigNamesTheSpecialTokensForDjl() throws IOException {
        Path out = dir.resolve("qwen2");
        new ModelCreator(new PrintStream(OutputStream.nullOutputStream())).create(ModelPreset.TINY.spec(ModelArch.QWEN2), out);
        try (HuggingFaceTokenizer tok = HuggingFaceTokenizer.newInstance(out,
                out.resolve("tokenizer_config.json").toString(), Map.of())) {
            String text = "hello <|im_start|>user\nhi<|im_end|>";
            assertEquals(text, tok.decode(tok.encode(text).getIds(), false)); // cleanup of spaces is off
        }
    }

    @Test
    void pretokenizerSplitsLikeGpt2() {
        assertEquals(List.of("I", "'m", " ", " fine", " 123", "abc", "!!", "\n\n", " x"),
                ByteLevelBpe.pretokenize("I'm  fine 123abc!!\n\n x"));
    }
}
