package dev.ferry.store.create;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.store.safetensors.SafetensorsTestReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DerivedModelsTest {
    @TempDir
    Path dir;

    private Path tiny() throws Exception {
        Path out = dir.resolve("tiny");
        new ModelCreator(new PrintStream(OutputStream.nullOutputStream())).create(ModelPreset.TINY.spec(ModelArch.LLAMA),
                out);
        return out;
    }

    @Test
    void replacedRowsChangeAndEveryOtherValueStays() throws Exception {
        Path from = tiny();
        Path to = dir.resolve("copy");
        DerivedModels.copy(from, to);
        DerivedModels.replaceEmbeddingRows(to, Set.of(3, 200), 1);
        var a = new SafetensorsTestReader(from.resolve("model.safetensors"));
        var b = new SafetensorsTestReader(to.resolve("model.safetensors"));
        int hidden = (int) a.tensors().get("model.embed_tokens.weight").shape()[1];
        float[] before = a.floats("model.embed_tokens.weight");
        float[] after = b.floats("model.embed_tokens.weight");
        for (int row = 0; row < before.length / hidden; row++) {
            boolean same = Arrays.equals(before, row * hidden, (row + 1) * hidden, after, row * hidden, (row + 1) * hidden);
            assertEquals(row != 3 && row != 200, same, "row " + row);
        }
        assertArrayEquals(a.floats("lm_head.weight"), b.floats("lm_head.weight"));
        assertEquals(Files.readString(from.resolve("tokenizer.json")), Files.readString(to.resolve("tokenizer.json")));
    }

    @Test
    void aDeeperTwinRepeatsTheLayersWithNothingAddedToTheResidual() throws Exception {
        Path from = tiny();
        Path to = dir.resolve("deep");
        DerivedModels.deepen(from, to, 5);
        assertEquals(5, new ObjectMapper().readTree(to.resolve("config.json").toFile()).get("num_hidden_layers").asInt());
        var a = new SafetensorsTestReader(from.resolve("model.safetensors"));
        var b = new SafetensorsTestReader(to.resolve("model.safetensors"));
        assertEquals(a.tensors().size() + 3 * 9, b.tensors().size()); // 9 tensors a Llama layer
        for (String t : a.tensors().keySet()) {
            assertArrayEquals(a.floats(t), b.floats(t), t);
        }
        assertArrayEquals(a.floats("model.layers.0.self_attn.q_proj.weight"),
                b.floats("model.layers.4.self_attn.q_proj.weight"), "layer 4 repeats layer 0 (2 layers)");
        for (int layer = 2; layer < 5; layer++) {
            for (String zero : new String[] {"self_attn.o_proj.weight", "mlp.down_proj.weight"}) {
                float[] v = b.floats("model.layers." + layer + "." + zero);
                for (float x : v) {
                    assertEquals(0f, x, zero);
                }
            }
            assertFalse(Arrays.equals(new float[b.floats("model.layers." + layer + ".mlp.up_proj.weight").length],
                    b.floats("model.layers." + layer + ".mlp.up_proj.weight")));
        }
        assertThrows(IllegalArgumentException.class, () -> DerivedModels.deepen(from, dir.resolve("x"), 2));
    }
}
