package dev.ferry.engine;

import dev.ferry.store.safetensors.TensorDtype;

/** The label of a loaded model's arithmetic that cache keys carry: replicas that differ in it answer differently. */
final class Numerics {
    private Numerics() {}

    /** The dtype's torch name, with "+int8" when the dense layers were quantized at load. */
    static String of(TensorDtype dtype, boolean int8) {
        return int8 ? dtype.torchName() + "+int8" : dtype.torchName();
    }
}
