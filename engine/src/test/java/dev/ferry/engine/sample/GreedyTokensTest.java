package dev.ferry.engine.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The host scan picks what libtorch's argmax picks: the first maximum, a NaN first, in any row of any layout. */
class GreedyTokensTest {

    @Test
    void picksWhatLibtorchsArgmaxPicks() {
        Random random = new Random(11);
        int rows = 5;
        int vocab = 32003;
        float[] values = new float[rows * vocab];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        values[vocab + 17] = 9f; // row 1: a tie, the first wins
        values[vocab + 20_000] = 9f;
        values[2 * vocab + 30] = Float.NaN; // row 2: a NaN after a maximum and before another
        values[2 * vocab + 5] = 8f;
        values[2 * vocab + 31] = 20f;
        values[3 * vocab] = Float.NaN; // row 3: a NaN first
        values[4 * vocab + vocab - 1] = 50f; // row 4: the last token
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray logits = m.create(values, new Shape(rows, vocab));
            assertArrayEquals(libtorch(logits), GreedyTokens.of(logits));
            assertArrayEquals(new int[] {argMaxOfRow0(values), 17, 30, 0, vocab - 1}, GreedyTokens.of(logits));

            NDArray columns = m.create(values, new Shape(vocab, rows)).transpose(); // not contiguous
            assertArrayEquals(libtorch(columns), GreedyTokens.of(columns));

            NDArray half = logits.toType(DataType.FLOAT16, false); // through libtorch
            assertArrayEquals(libtorch(half), GreedyTokens.of(half));
        }
    }

    private static int[] libtorch(NDArray logits) {
        long[] ids = logits.argMax(1).toLongArray();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    private static int argMaxOfRow0(float[] values) {
        int best = 0;
        for (int i = 1; i < 32003; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
