package dev.ferry.bench;

import dev.ferry.engine.api.LoadOptions;
import dev.ferry.engine.model.Linear;
import dev.ferry.engine.runner.ModelRunner;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.safetensors.TensorDtype;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Batch-1 decode steps of the small preset with each one-row product form in turn (by default the
 * native kernel against OpenBLAS's GEMV), in one process, with the host's memory-read bandwidth
 * probed before each round. This host's bandwidth swings between phases for minutes at a time, and
 * forms do not rank the same in every phase, so rounds are grouped by the probe's reading: per
 * group, each form's median step, its median fraction of the bandwidth floor (fp32 weight bytes
 * over the bandwidth of its round, as {@link ForwardBenchmark} takes it), its median ratio to the
 * first form's step in the same round, and in how many rounds it was the faster.
 */
public final class OneRowFormsBenchmark {
    /** Upper bounds of the probe groups, GB/s. */
    private static final double[] GROUPS = {40, 50, 60, Double.MAX_VALUE};

    private OneRowFormsBenchmark() {}

    public static void main(String[] argv) throws Exception {
        Map<String, String> args = Args.parse(argv);
        Path modelDir = args.containsKey("model") ? Path.of(args.get("model")) : ForwardBenchmark.model("llama-small", "small");
        long seconds = Long.parseLong(args.getOrDefault("seconds", "300"));
        int steps = Integer.parseInt(args.getOrDefault("steps", "16"));
        List<Linear.Form> forms = Arrays.stream(args.getOrDefault("forms", "NATIVE,OPENBLAS").split(","))
                .map(f -> Linear.Form.valueOf(f.trim().toUpperCase())).toList();
        List<double[]> rounds = new ArrayList<>(); // probe GB/s, then one step time per form
        double weightGB;
        try (ModelFolder folder = ModelFolder.open(modelDir);
             ModelRunner runner = ModelRunner.load(folder, LoadOptions.defaults().withDevice("cpu").withDtype(TensorDtype.F32))) {
            weightGB = ForwardBenchmark.denseParameters(folder) * 4.0 / 1e9;
            List<Linear> layers = runner.model().linears();
            for (Linear.Form f : forms) { // untimed: also the JIT's warm-up
                layers.forEach(l -> l.useAtOneRow(f));
                ForwardBenchmark.decode(runner, 1, 128, steps);
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            for (int r = 0; System.nanoTime() < end; r++) {
                double[] round = new double[forms.size() + 1];
                round[0] = MachineCeilings.memoryReadBandwidth(runner.newStepManager(), runner.device(), 64L << 20, 1) / 1e9;
                for (int i = 0; i < forms.size(); i++) {
                    int f = (i + r) % forms.size(); // each form takes each position in turn
                    layers.forEach(l -> l.useAtOneRow(forms.get(f)));
                    round[f + 1] = ForwardBenchmark.decode(runner, 1, 128, steps).stepMs();
                }
                rounds.add(round);
            }
        }
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("rounds", rounds.size());
        double low = 0;
        for (double high : GROUPS) {
            double from = low;
            List<double[]> group = rounds.stream().filter(g -> g[0] >= from && g[0] < high).toList();
            String name = high == Double.MAX_VALUE ? String.format("probe_%.0f_up", from) : String.format("probe_%.0f_%.0f", from, high);
            summarize(name, group, forms, weightGB, results);
            low = high;
        }
        summarize("all", rounds, forms, weightGB, results);
        Report.print(results, args.get("out"));
    }

    private static void summarize(String group, List<double[]> rounds, List<Linear.Form> forms, double weightGB,
                                  Map<String, Object> results) {
        results.put(group + "_rounds", rounds.size());
        if (rounds.isEmpty()) {
            return;
        }
        for (int i = 0; i < forms.size(); i++) {
            int f = i + 1;
            String key = group + "_" + forms.get(i).name().toLowerCase();
            results.put(key + "_step_ms", ForwardBenchmark.round3(median(rounds, g -> g[f])));
            results.put(key + "_fraction_of_floor", ForwardBenchmark.round3(median(rounds, g -> weightGB / (g[f] / 1000 * g[0]))));
            if (i > 0) {
                results.put(key + "_vs_" + forms.get(0).name().toLowerCase(), ForwardBenchmark.round3(median(rounds, g -> g[f] / g[1])));
                results.put(key + "_faster_in", rounds.stream().filter(g -> g[f] < g[1]).count() + " of " + rounds.size());
            }
        }
    }

    private static double median(List<double[]> rounds, ToDoubleFunction<double[]> value) {
        return ForwardBenchmark.median(rounds.stream().mapToDouble(value).toArray());
    }
}
