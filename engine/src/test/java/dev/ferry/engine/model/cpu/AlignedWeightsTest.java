package dev.ferry.engine.model.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.ferry.engine.model.HostTensor;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Weights start on a cache line, where DJL then computes on them: a vector load never straddles two lines. */
class AlignedWeightsTest {

    @Test
    void aWeightTensorStartsOnACacheLineOfItsOwnBuffer() {
        try (NDManager m = NDManager.newBaseManager()) {
            for (int floats : new int[] {1, 17, 768 * 64}) {
                ByteBuffer buf = HostTensor.alignedBuffer(floats * Float.BYTES);
                assertEquals(floats * Float.BYTES, buf.capacity());
                long at = Pointer.nativeValue(Native.getDirectBufferPointer(buf));
                assertEquals(0, at % 64);
                NDArray t = m.create(buf, new Shape(floats), DataType.FLOAT32);
                assertEquals(at, Pointer.nativeValue(OpenBlas.address(t)), "DJL computes on the buffer in place");
            }
        }
    }
}
