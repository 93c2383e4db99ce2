package dev.ferry.store.create;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The golden fixtures' config.json and generation_config.json as transformers 4.45.2 writes them
 * (copied byte for byte from /work/shared/golden/ARCH-tiny/model to this package's test resources,
 * {@code golden/ARCH/}) and the SHA-256 of their tokenizer.json, so the tests pin the created files
 * byte for byte without the shared fixtures.
 */
final class GoldenTinyFiles {
    record Files(String config, String generationConfig, String tokenizerSha256) {
    }

    private GoldenTinyFiles() {
    }

    private static final Map<ModelArch, String> TOKENIZER_SHA256 = Map.of(
            ModelArch.LLAMA, "4689f493dc53cb9df0f86bd844d7bb2da0071dfb30998eb00bebc9b223b18c5c",
            ModelArch.MISTRAL, "a1ade8c4368d4315499fcb9574dc967b361392bd0b6fc52975a4700726100cab",
            ModelArch.QWEN2, "1d8adb794e998b3702815e7233a1d3df9b66f70286f7a68be03910b9cb92dce3",
            ModelArch.GPT2, "6aee497ad1bc5346f2caab68cd3cb4e7acda10f876f98fac02a35fadbaa96e03");

    static Files of(ModelArch arch) {
        return new Files(resource(arch, "config.json"), resource(arch, "generation_config.json"),
                TOKENIZER_SHA256.get(arch));
    }

    private static String resource(ModelArch arch, String file) {
        String name = "golden/" + arch.cliName() + "/" + file;
        try (InputStream in = GoldenTinyFiles.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("test resource " + name + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
