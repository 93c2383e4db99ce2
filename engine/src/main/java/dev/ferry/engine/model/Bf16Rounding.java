package dev.ferry.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.ferry.store.safetensors.HalfFloats;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * A dense layer's weight in bfloat16 at load: each value rounded to the nearest bf16, ties to even
 * (as PyTorch rounds), into a direct buffer of its own. The bits stay outside DJL, whose JNI aborts
 * the JVM on any bfloat16 array; Ferry's CPU kernels read them where they are. A weight read from a
 * BF16 checkpoint is exact in bf16, so its bits come back unchanged.
 */
final class Bf16Rounding {
    private Bf16Rounding() {}

    /** @param weight {@code [out, in]} on the CPU, any float dtype; left open */
    static ByteBuffer round(NDArray weight) {
        long count = weight.size();
        if (count > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("dtype bf16: a dense layer of shape " + weight.getShape()
                    + " holds more than 2 GiB of bf16, more than one buffer here can; use f16 or f32");
        }
        NDArray fp32 = weight.getDataType() == DataType.FLOAT32 ? weight : weight.toType(DataType.FLOAT32, false);
        try {
            FloatBuffer values = JniUtils.getByteBuffer((PtNDArray) fp32, true).order(ByteOrder.nativeOrder())
                    .asFloatBuffer();
            ByteBuffer bits = HostTensor.alignedBuffer((int) count * 2);
            for (int i = 0; i < count; i++) {
                bits.putShort(2 * i, HalfFloats.floatToBf16(values.get(i)));
            }
            return bits;
        } finally {
            if (fp32 != weight) {
                fp32.close();
            }
        }
    }
}
