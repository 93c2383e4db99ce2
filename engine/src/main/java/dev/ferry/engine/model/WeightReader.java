package dev.ferry.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.safetensors.TensorDtype;
import dev.ferry.store.safetensors.TensorInfo;
import dev.ferry.store.safetensors.WeightIndex;
import java.nio.ByteBuffer;

/**
 * Reads a model folder's tensors into device arrays of the compute dtype. A tensor already stored
 * in that dtype on the CPU is wrapped around its memory map without a copy; everything else goes
 * through {@link HostTensor} and is converted in Java.
 */
public final class WeightReader {
    private final ModelFolder folder;
    private final NDManager manager;
    private final Precision precision;

    public WeightReader(ModelFolder folder, NDManager manager, Precision precision) {
        this.folder = folder;
        this.manager = manager;
        this.precision = precision;
    }


    /** A tensor as stored (shape unchanged), in the activation dtype: embeddings, norms, biases. */
    public NDArray load(String name) {
        return load(name, precision.activations());
    }

    /** A dense layer's matrix as stored, in the weight dtype. */
    public NDArray loadMatrix(String name) {
        return load(name, precision.weights());
    }

    private NDArray load(String name, DataType dtype) {
        TensorInfo t = folder.tensor(name);
        if (sameType(t.dtype(), dtype) && !manager.getDevice().isGpu()) {
            // copied to a cache-line boundary: DJL would compute on the file's mapping in place, at
            // whatever offset the tensor has in the file
            ByteBuffer stored = WeightIndex.map(t);
            ByteBuffer aligned = HostTensor.alignedBuffer(stored.remaining());
            aligned.put(stored.duplicate()).flip();
            return manager.create(aligned, new Shape(t.shape()), dtype);
        }
        return host(name).toNDArray(manager, dtype);
    }

    public HostTensor host(String name) {
        return HostTensor.read(folder.tensor(name));
    }

    /** Tensors concatenated along their first dimension as they are read: a fused q/k/v or gate/up matrix. */
    public HostTensor hostRows(String... names) {
        TensorInfo[] parts = new TensorInfo[names.length];
        for (int i = 0; i < names.length; i++) {
            parts[i] = folder.tensor(names[i]);
        }
        return HostTensor.readRows(parts);
    }

    /** A fused or rescaled matrix, in the weight dtype. */
    public NDArray uploadMatrix(HostTensor t) {
        return t.toNDArray(manager, precision.weights());
    }

    /** A fused or rescaled bias, in the activation dtype. */
    public NDArray upload(HostTensor t) {
        return t.toNDArray(manager, precision.activations());
    }

    private static boolean sameType(TensorDtype stored, DataType dtype) {
        return (stored == TensorDtype.F32 && dtype == DataType.FLOAT32)
                || (stored == TensorDtype.F16 && dtype == DataType.FLOAT16)
                || (stored == TensorDtype.F64 && dtype == DataType.FLOAT64);
    }
}
