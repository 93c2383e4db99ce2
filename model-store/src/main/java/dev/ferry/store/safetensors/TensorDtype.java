package dev.ferry.store.safetensors;

import java.util.Locale;

/** Element types a safetensors file may hold that Ferry reads or writes, with their on-disk tags. */
public enum TensorDtype {
    F64("F64", 8),
    F32("F32", 4),
    F16("F16", 2),
    BF16("BF16", 2),
    I64("I64", 8),
    I32("I32", 4);

    private final String tag;
    private final int bytes;

    TensorDtype(String tag, int bytes) {
        this.tag = tag;
        this.bytes = bytes;
    }

    /** The tag written in the safetensors header ("F32", "BF16", ...). */
    public String tag() {
        return tag;
    }

    public int bytes() {
        return bytes;
    }

    public boolean isFloat() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    /** Parses a header tag; returns null for tags Ferry does not support (the caller names the tensor). */
    public static TensorDtype fromTag(String tag) {
        for (TensorDtype d : values()) {
            if (d.tag.equals(tag)) {
                return d;
            }
        }
        return null;
    }

    /** Parses a user-facing name: f32, float32, f16, fp16, half, bf16, bfloat16, f64, float64, double. */
    public static TensorDtype fromUserName(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "f32", "fp32", "float32", "float" -> F32;
            case "f16", "fp16", "float16", "half" -> F16;
            case "bf16", "bfloat16" -> BF16;
            case "f64", "fp64", "float64", "double" -> F64;
            default -> throw new IllegalArgumentException(
                    "unknown dtype '" + name + "' (expected f32, f16, bf16 or f64)");
        };
    }

    /** The value transformers writes for config.json's torch_dtype. */
    public String torchName() {
        return switch (this) {
            case F64 -> "float64";
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            case I64 -> "int64";
            case I32 -> "int32";
        };
    }
}
