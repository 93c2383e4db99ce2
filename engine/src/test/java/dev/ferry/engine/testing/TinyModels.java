package dev.ferry.engine.testing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.store.config.JsonFiles;
import dev.ferry.store.create.ChatStyle;
import dev.ferry.store.create.ModelArch;
import dev.ferry.store.create.ModelCreator;
import dev.ferry.store.create.ModelPreset;
import dev.ferry.store.create.ModelSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Random tiny models of every architecture, written once per test run into a temporary folder. */
public final class TinyModels {
    private static final Path ROOT;

    static {
        try {
            ROOT = Files.createTempDirectory("ferry-tiny-models");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private TinyModels() {}

    /** The tiny preset of {@code arch} with the given seed. */
    public static synchronized Path create(String arch, long seed) {
        return create(arch + "-" + seed, ModelPreset.fromName("tiny").spec(ModelArch.fromName(arch)).withSeed(seed));
    }

    public static synchronized Path create(String name, ModelSpec spec) {
        return create(name, spec, ChatStyle.FAMILY);
    }

    /** A tiny Qwen2 with a thinking chat template and {@code <think>}, {@code </think>} as added tokens. */
    public static synchronized Path reasoning(long seed) {
        return create("qwen2-reasoning-" + seed, ModelPreset.fromName("tiny").spec(ModelArch.QWEN2).withSeed(seed),
                ChatStyle.REASONING);
    }

    private static Path create(String name, ModelSpec spec, ChatStyle chat) {
        Path dir = ROOT.resolve(name);
        if (!Files.isRegularFile(dir.resolve("model.safetensors"))) {
            try {
                new ModelCreator(new PrintStream(OutputStream.nullOutputStream())).create(spec, chat, dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }

    /** A tiny Mistral whose attention only sees the last {@code window} positions. */
    public static synchronized Path mistralWithWindow(int window) {
        Path dir = create("mistral-window-" + window,
                ModelPreset.fromName("tiny").spec(ModelArch.fromName("mistral")).withSeed(5));
        ObjectNode config = JsonFiles.readObject(dir.resolve("config.json"));
        config.put("sliding_window", window);
        try {
            Files.writeString(dir.resolve("config.json"), config.toPrettyString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }
}
