package dev.ferry.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Weight-only int8 quantization of a dense layer at load: symmetric, one fp32 scale per output row
 * ({@code scale = max |w[r, :]| / 127}, {@code q = round(w / scale)} in [-127, 127]). Per row
 * because rows differ in range by orders of magnitude (a norm's scale is folded into them), and
 * symmetric because the kernels then need no zero point. Each weight's error is at most half a
 * step, {@code scale / 2}.
 */
final class Int8Quantizer {
    /** The quantized weight: int8 {@code [out, in]} and fp32 {@code [out]} scales, in the weight's manager. */
    record Quantized(NDArray values, NDArray scales) {}

    private Int8Quantizer() {}

    /** @param weight {@code [out, in]} on the CPU, any float dtype */
    static Quantized quantize(NDArray weight) {
        int out = (int) weight.getShape().get(0);
        int in = (int) weight.getShape().get(1);
        try (NDArray fp32 = weight.toType(DataType.FLOAT32, true)) {
            FloatBuffer w = JniUtils.getByteBuffer((PtNDArray) fp32, true).order(ByteOrder.nativeOrder()).asFloatBuffer();
            ByteBuffer q = HostTensor.alignedBuffer(Math.multiplyExact(out, in));
            ByteBuffer s = HostTensor.alignedBuffer(out * Float.BYTES);
            for (int r = 0; r < out; r++) {
                int base = r * in;
                float max = 0;
                for (int c = 0; c < in; c++) {
                    max = Math.max(max, Math.abs(w.get(base + c)));
                }
                float scale = max / 127f;
                float inverse = max == 0 ? 0 : 127f / max;
                for (int c = 0; c < in; c++) {
                    q.put(base + c, (byte) Math.max(-127, Math.min(127, Math.round(w.get(base + c) * inverse))));
                }
                s.putFloat(r * Float.BYTES, scale);
            }
            return new Quantized(weight.getManager().create(q, new Shape(out, in), DataType.INT8),
                    weight.getManager().create(s, new Shape(out), DataType.FLOAT32));
        }
    }
}
