package dev.ferry.store.safetensors;

import java.nio.file.Path;
import java.util.Arrays;

/** One tensor's entry in a safetensors header: where its bytes are and how to read them. */
public record TensorInfo(String name, TensorDtype dtype, long[] shape, Path file, long fileOffset, long byteLength) {

    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public String shapeText() {
        return Arrays.toString(shape);
    }

    public String fileName() {
        return file.getFileName().toString();
    }
}
