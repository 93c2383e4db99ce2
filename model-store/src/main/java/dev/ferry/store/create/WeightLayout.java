package dev.ferry.store.create;

import dev.ferry.store.ExpectedTensors;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The tensors to write for a spec: exactly the table the loader checks checkpoints against
 * ({@link ExpectedTensors}), sorted by name, the order the data is laid out in the file.
 */
final class WeightLayout {

    record Tensor(String name, long[] shape, ExpectedTensors.Kind kind) {
        long numel() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private WeightLayout() {
    }

    static List<Tensor> of(ModelSpec s) {
        List<Tensor> t = new ArrayList<>();
        Map<String, ExpectedTensors.Spec> expected = s.arch().isEncoder()
                ? ExpectedTensors.of(s.encoderConfig()) : ExpectedTensors.of(s.decoderConfig());
        for (Map.Entry<String, ExpectedTensors.Spec> e : expected.entrySet()) {
            t.add(new Tensor(e.getKey(), e.getValue().shape(), e.getValue().kind()));
        }
        t.sort(Comparator.comparing(Tensor::name));
        return t;
    }

    static long parameterCount(ModelSpec s) {
        return of(s).stream().mapToLong(Tensor::numel).sum();
    }
}
