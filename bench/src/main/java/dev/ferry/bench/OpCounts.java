package dev.ferry.bench;

import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.model.OpCounter;
import dev.ferry.engine.runner.ModelRunner;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.create.ModelArch;
import dev.ferry.store.create.ModelCreator;
import dev.ferry.store.create.ModelPreset;
import dev.ferry.store.safetensors.TensorDtype;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * libtorch ops per decode step and per decoder layer ({@link OpCounter} says what counts) for Llama,
 * Qwen2 and GPT-2 at batch 1 and a larger batch, on models of tiny dimensions and the small preset's
 * depth created under bench/target/models: the count depends on the path a step takes, not on the
 * dimensions, and the depth spreads what a step's first layer does once (its buffers) as a real model does. On a CPU, f32 takes the Java
 * kernels' path and f64 the all-libtorch path that a GPU step takes; on a GPU, f16 and f32.
 *
 * <pre>
 * java -cp ... dev.ferry.bench.OpCounts [--device cpu] [--batch 32] [--context 128] [--out ops.json]
 * </pre>
 */
public final class OpCounts {
    private OpCounts() {}

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = Args.parse(argv);
        Report.print(measure(args.getOrDefault("device", "cpu"), Integer.parseInt(args.getOrDefault("batch", "32")),
                Integer.parseInt(args.getOrDefault("context", "128"))), args.get("out"));
    }

    /** {@code ops_<arch>_<dtype>_b<batch>_per_layer} and {@code _per_step} for each family, dtype and batch. */
    static Map<String, Object> measure(String device, int batch, int context) throws Exception {
        Map<String, Object> results = new LinkedHashMap<>();
        List<String> dtypes = device.startsWith("cpu") ? List.of("f32", "f64") : List.of("f16", "f32");
        for (ModelArch arch : List.of(ModelArch.LLAMA, ModelArch.QWEN2, ModelArch.GPT2)) {
            int depth = ModelPreset.fromName("small").spec(arch).layers();
            Path dir = Path.of("bench", "target", "models", "ops-" + arch.cliName() + "-" + depth + "-layers");
            if (!Files.isRegularFile(dir.resolve("model.safetensors"))) {
                new ModelCreator(System.err).create(ModelPreset.fromName("tiny").spec(arch).withLayers(depth), dir);
            }
            for (String dtype : dtypes) {
                try (ModelFolder folder = ModelFolder.open(dir);
                     ModelRunner runner = ModelRunner.load(folder, LoadOptions.defaults().withDevice(device)
                             .withDtype(TensorDtype.fromUserName(dtype)))) {
                    for (int b : new int[] {1, batch}) {
                        OpCounter counter = new OpCounter();
                        ForwardBenchmark.Decode d = ForwardBenchmark.decode(runner, b, context, 2, counter);
                        String p = "ops_" + arch.cliName() + "_" + dtype + "_b" + b;
                        results.put(p + "_per_layer", ForwardBenchmark.round(counter.perLayer()));
                        results.put(p + "_per_step", d.opsPerStep());
                    }
                }
            }
        }
        return results;
    }
}
