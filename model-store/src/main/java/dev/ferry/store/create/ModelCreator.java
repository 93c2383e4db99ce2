package dev.ferry.store.create;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Creates a complete Hugging Face-format model folder with deterministic random weights (like
 * vLLM's {@code --load-format dummy}): config.json, generation_config.json, tokenizer.json,
 * tokenizer_config.json and model.safetensors; an encoder gets config.json, tokenizer.json, its
 * sentence-transformers files ({@link SentenceFiles}) and model.safetensors. Same spec, same seed:
 * byte-identical files.
 */
public final class ModelCreator {
    /** What was written; {@link #toString()} is the one-line report the CLI prints. */
    public record Summary(Path dir, ModelSpec spec, long parameters, int tokenizerSize, long safetensorsBytes,
                          long millis) {
        @Override
        public String toString() {
            return String.format("wrote %s: arch=%s params=%d (%.1fM) dtype=%s tokenizer=%d tokens (vocab %d), "
                            + "model.safetensors %.1f MB in %.1f s",
                    dir, spec.arch().cliName(), parameters, parameters / 1e6, spec.dtype().torchName(),
                    tokenizerSize, spec.vocab(), safetensorsBytes / 1e6, millis / 1e3);
        }
    }

    private final PrintStream progress;

    /** {@code progress} receives a line per 10% of a large weights file (the CLI passes System.err). */
    public ModelCreator(PrintStream progress) {
        this.progress = progress;
    }

    public Summary create(ModelSpec spec, Path outDir) throws IOException {
        return create(spec, ChatStyle.FAMILY, outDir);
    }

    /** @param chat the chat template to write, and the added tokens it needs */
    public Summary create(ModelSpec spec, ChatStyle chat, Path outDir) throws IOException {
        long t0 = System.nanoTime();
        boolean encoder = spec.arch().isEncoder();
        TokenizerJson.Built tok = encoder ? EncoderTokenizerJson.build(spec.arch(), spec.vocab())
                : TokenizerJson.build(spec.arch(), spec.vocab(), spec.maxMerges(), chat.plainTokens());
        if (tok.size() > spec.vocab()) {
            throw new IllegalStateException("tokenizer uses " + tok.size() + " ids but vocab is " + spec.vocab());
        }
        Files.createDirectories(outDir);
        write(outDir.resolve("config.json"), HfConfigJson.configText(spec, tok.ids()));
        write(outDir.resolve("tokenizer.json"), tok.text());
        if (encoder) {
            SentenceFiles.write(spec, outDir);
        } else {
            write(outDir.resolve("generation_config.json"), HfConfigJson.generationConfigText(tok.ids()));
            write(outDir.resolve("tokenizer_config.json"), TokenizerConfigJson.text(spec, chat, tok.specialIds(),
                    tok.plainIds()));
        }
        long bytes = DummyWeights.write(spec, outDir.resolve("model.safetensors"), progress);
        return new Summary(outDir, spec, parameterCount(spec), tok.size(), bytes, (System.nanoTime() - t0) / 1_000_000);
    }

    /** Parameters a spec's model has (tied embeddings counted once), without writing anything. */
    public static long parameterCount(ModelSpec spec) {
        return WeightLayout.parameterCount(spec);
    }

    private static void write(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
