package dev.ferry.store.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.store.ModelFolder;
import dev.ferry.store.create.ModelArch;
import dev.ferry.store.create.ModelCreator;
import dev.ferry.store.create.ModelPreset;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each token's bytes, laid end to end, are the text the tokenizers library decodes, for byte-level
 * vocabularies (where a token may hold part of a UTF-8 character) and for a SentencePiece-style one
 * with byte fallback and multi-character merges.
 */
class TokenBytesTest {
    private static final List<String> TEXTS = List.of(
            "Hello world, the quick brown fox jumps over the lazy dog.",
            "{\"name\": \"Ann\", \"age\": 42}",
            "naïve café, 日本語 and 😀 emoji, tabs\tand\nnewlines");

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = ModelArch.class, names = {"BERT", "XLM_ROBERTA"}, mode = EnumSource.Mode.EXCLUDE)
    void byteLevelTokensSpellTheDecodedText(ModelArch arch) throws IOException {
        Path folder = dir.resolve(arch.cliName());
        new ModelCreator(new PrintStream(OutputStream.nullOutputStream())).create(ModelPreset.TINY.spec(arch), folder);
        try (ModelFolder model = ModelFolder.open(folder)) {
            assertSpellsDecodedText(model.tokenizer(), false);
        }
    }

    @Test
    void sentencePieceTokensSpellTheDecodedText() throws URISyntaxException {
        Path file = Path.of(getClass().getResource("metaspace-tokenizer.json").toURI());
        try (ModelTokenizer tok = ModelTokenizer.open(file)) {
            byte[][] bytes = tok.tokenBytes();
            assertNull(bytes[1], "<s> is special");
            assertArrayEquals(new byte[] {(byte) 0xE6}, bytes[3 + 0xE6], "<0xE6> is one byte");
            assertSpellsDecodedText(tok, true);
        }
    }

    /** @param stripsLeadingSpace the decoder drops the space the normalizer put before the text */
    private static void assertSpellsDecodedText(ModelTokenizer tok, boolean stripsLeadingSpace) {
        byte[][] bytes = tok.tokenBytes();
        for (String text : TEXTS) {
            int[] ids = tok.encode(text, false);
            ByteArrayOutputStream spelled = new ByteArrayOutputStream();
            for (int id : ids) {
                assertTrue(bytes[id] != null, "token " + id + " of " + text);
                spelled.writeBytes(bytes[id]);
            }
            String expected = tok.decode(ids);
            String got = spelled.toString(StandardCharsets.UTF_8);
            if (stripsLeadingSpace && got.startsWith(" ")) {
                got = got.substring(1);
            }
            assertArrayEquals(expected.getBytes(StandardCharsets.UTF_8), got.getBytes(StandardCharsets.UTF_8), text);
        }
    }
}
