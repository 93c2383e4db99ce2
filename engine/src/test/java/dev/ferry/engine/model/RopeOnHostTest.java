package dev.ferry.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.ferry.engine.testing.Golden;
import dev.ferry.engine.testing.TinyModels;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.config.DecoderConfig;
import dev.ferry.store.create.ModelArch;
import dev.ferry.store.create.ModelPreset;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Rotating on the host ({@link HostRopeWrite}'s way) gives the libtorch rotation's floats exactly, not merely close. */
class RopeOnHostTest {

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("llama", TinyModels.create("llama", 11), 0),
                Arguments.of("llama with llama3 rope scaling", TinyModels.create("llama-rope-scaled",
                        ModelPreset.fromName("tiny").spec(ModelArch.LLAMA).withSeed(15).withLlama3RopeScaling(true)), 0),
                // partial rotary dims and LongRoPE's attention factor, short factors then long (rows past 128)
                Arguments.of("phi3 short factors", Golden.modelDir("phi3-tiny"), 0),
                Arguments.of("phi3 long factors", Golden.modelDir("phi3-tiny"), 128));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void hostRotationIsBitForBitTheDeviceRotation(String name, Path dir, int rowOffset) throws Exception {
        int[] positions = Arrays.stream(new int[] {0, 1, 17, 95}).map(p -> p + rowOffset).toArray();
        int heads = 5;
        try (ModelFolder folder = ModelFolder.open(dir); NDManager m = NDManager.newBaseManager()) {
            DecoderConfig c = folder.config();
            int d = c.headDim();
            RopeTables rope = new RopeTables(c, 128, DataType.FLOAT32, m);
            NDArray x = m.randomNormal(new Shape(positions.length, heads, d));
            NDArray pos = m.create(Arrays.stream(positions).asLongStream().toArray());
            float[] got = x.toFloatArray();
            rope.applyInPlace(x, rope.gather(pos));
            float[] expected = x.toFloatArray();
            float[] cosSin = new float[2 * d];
            for (int t = 0; t < positions.length; t++) {
                rope.hostRows(positions[t], cosSin, 0);
                rope.rotateOnHost(got, t * heads * d, heads, cosSin, 0);
            }
            assertArrayEquals(expected, got);
        }
    }
}
