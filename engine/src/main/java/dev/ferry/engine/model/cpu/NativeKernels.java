package dev.ferry.engine.model.cpu;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ferry's own C kernels ({@code engine/src/main/c/ferry_kernels.c}), loaded through JNA from the
 * class path where the build put them. They exist for the one product no library here streams at
 * the memory's speed: the matrix-vector products of a small decode step, on fp32, fp16, bf16 and
 * int8 weights (see the C file for figures). Optional like OpenBLAS: without a C compiler at build time,
 * or with {@code -Dferry.native=false}, {@link #available()} is false and layers keep to OpenBLAS
 * or libtorch. Each kernel exists per instruction-set {@link #LEVELS level}; the widest the CPU has
 * runs unless {@code -Dferry.native.isa=portable|avx2|avx512} asks for a lower one.
 */
final class NativeKernels {
    private static final Logger LOG = LoggerFactory.getLogger(NativeKernels.class);
    private static final String SWITCH = "ferry.native";
    private static final String ISA = "ferry.native.isa";
    /** The instruction-set levels of the kernels, narrowest first; the C library numbers them in this order. */
    static final List<String> LEVELS = List.of("portable", "avx2", "avx512");
    /** Opened without RTLD_GLOBAL (JNA's default adds it): nothing here is meant for other libraries. */
    private static final Map<String, Object> OPEN_LOCAL = Map.of(Library.OPTION_OPEN_FLAGS, 1);
    /**
     * The index in {@link #LEVELS} of the level the kernels run at, kept here as {@link #select}
     * sets it, so that callers deciding per step or per layer need no call into the library.
     * Declared before {@link #AVAILABLE}, whose loading sets it, and without an initializer.
     */
    private static volatile int level;
    private static final boolean AVAILABLE = load();

    private NativeKernels() {}

    static boolean available() {
        return AVAILABLE;
    }

    /**
     * {@code y[j·ldy + r] = alpha[j] · (w[r, :] · x[j, :]) + beta · y[j·ldy + r]} for {@code r < rows,
     * j < n}: an fp32 weight {@code [rows, in]} and inputs {@code x[n, in]}, in register blocks of 4
     * weight rows by 3 input rows, or from 48 input rows on of 6 input rows by a packed panel of 16
     * weight rows; alpha null for all ones; y is not read when beta is 0.
     */
    static void sgemm(Pointer w, Pointer x, Pointer y, int rows, int in, int n, int ldy, float[] alpha, float beta) {
        ferry_sgemm(w, x, y, rows, in, n, ldy, alpha, beta);
    }

    /**
     * The products {@link #productParts} runs, in the order the C library numbers them. Each computes
     * {@code y[j·ldy + r] = alpha[j] · scale[r] · (w[r, :] · x[j, :]) + beta · y[j·ldy + r]} for {@code
     * r < rows, j < n}, with alpha null for all ones and y not read when beta is 0.
     */
    enum Product {
        /** fp32 weight, one input row ({@code n} 1): the streaming matrix-vector loop. */
        SGEMV,
        /** fp32 weight, any input rows: {@link #sgemm}'s product. */
        SGEMM,
        /** int8 weight with an fp32 scale per row; up to 8 input rows share one pass over the weight. */
        Q8GEMM,
        /** IEEE fp16 weight (scale 1), widened in registers; up to 8 input rows a pass. */
        F16GEMM,
        /** bfloat16 weight (scale 1), widened in registers; up to 8 input rows a pass. */
        BF16GEMM
    }

    /**
     * One product's weight rows in parts of {@code partRows}, each claimed from the int at {@code
     * next} by whichever calling thread gets to it first: the engine thread and its partner make
     * one call each with the same counter (0 before), where a call per part cost a JNA crossing per
     * part. {@code scales}: an int8 weight's, else null.
     */
    static void productParts(Product product, Pointer w, Pointer scales, Pointer x, Pointer y, int rows, int in, int n,
                             int ldy, float[] alpha, float beta, Pointer next, int partRows) {
        ferry_product_parts(product.ordinal(), w, scales, x, y, rows, in, n, ldy, alpha, beta, next, partRows);
    }

    /**
     * Self-attention of a packed encoder batch for heads {@code [firstHead, firstHead + headCount)}:
     * input r is rows {@code [starts[r], starts[r] + lengths[r])} of {@code qkv [tokens, 3 · heads ·
     * headDim]} (queries pre-scaled, then keys, then values, head by head) and of {@code context
     * [tokens, heads · headDim]}, and attends to its own rows only.
     */
    static void packedAttention(Pointer qkv, Pointer context, int[] starts, int[] lengths, int heads, int headDim,
                                int firstHead, int headCount) {
        if (ferry_packed_attention(qkv, context, starts, lengths, starts.length, heads, headDim, firstHead,
                headCount) != 0) {
            throw new OutOfMemoryError("native attention: no scratch memory for " + headDim + " x "
                    + Arrays.stream(lengths).max().orElse(0) + " keys");
        }
    }

    /**
     * One decode token's {@code group} query heads that share a KV head, attending in the paged KV
     * pool: {@code q} and {@code out} hold the group's heads (rows of {@code headDim} floats, q
     * pre-scaled), key j of the KV head lies at byte {@code keyAt + rows[j]} of the pool and its value
     * at {@code valueAt + rows[j]}, for each of the keys the token sees.
     */
    static void decodeAttention(Pointer pool, long keyAt, long valueAt, int[] rows, Pointer q, Pointer out, int group,
                                int headDim) {
        if (ferry_decode_attention(pool, keyAt, valueAt, rows, rows.length, q, out, group, headDim) != 0) {
            throw new OutOfMemoryError("native decode attention: no scratch memory for " + rows.length + " keys");
        }
    }

    /**
     * The last {@code queries} of a sequence's tokens, the {@code group} query heads that share a KV
     * head, attending causally in the paged KV pool: query token i at row i of {@code q} and {@code
     * out} ({@code qStride} and {@code outStride} floats apart, its group's heads of {@code headDim}
     * floats from there, q pre-scaled) sits at position {@code rows.length - queries + i} and sees
     * keys {@code [0, rows.length - queries + i]}; key j at byte {@code keyAt + rows[j]} of the pool,
     * its value at {@code valueAt + rows[j]}.
     */
    static void prefillAttention(Pointer pool, long keyAt, long valueAt, int[] rows, int queries, Pointer q, int qStride,
                                 Pointer out, int outStride, int group, int headDim) {
        if (ferry_prefill_attention(pool, keyAt, valueAt, rows, rows.length, queries, q, qStride, out, outStride, group,
                headDim) != 0) {
            throw new OutOfMemoryError("native prefill attention: no scratch memory for " + rows.length + " keys");
        }
    }

    /** {@code out [tokens, inter] = silu(gate) · up} of {@code gateUp [tokens, 2 · inter]}, gates first. */
    static void swiglu(Pointer gateUp, Pointer out, int tokens, int inter) {
        ferry_swiglu(gateUp, out, tokens, inter);
    }

    /**
     * RoPE and the KV write of {@code tokens} rows of {@code qkv [tokens, heads + 2 kvHeads, headDim]}:
     * queries and keys turn in place (dims i and {@code half} + i, i < half) with token t's {@code
     * headDim} cosines then sines at {@code 2 t headDim} of {@code cosSin}, in {@link HostRope}'s float
     * arithmetic; then head h's key goes to byte {@code slotAt[t] + h headBytes} of the pool, its
     * value {@code valueBytes} further.
     */
    static void ropeKvWrite(Pointer qkv, int tokens, int heads, int kvHeads, int headDim, int half, float[] cosSin,
                            Pointer pool, long[] slotAt, long headBytes, long valueBytes) {
        ferry_rope_kv_write(qkv, tokens, heads, kvHeads, headDim, half, cosSin, pool, slotAt, headBytes, valueBytes);
    }

    /** {@code out[r, c] = w[r, c]}: rows of a bfloat16 weight in fp32 (exact). */
    static void bf16Widen(Pointer w, int rows, int in, Pointer out) {
        ferry_bf16_widen(w, rows, in, out);
    }

    /** {@code out[r, c] = scales[r] · w[r, c]}: rows of an int8 weight in fp32. */
    static void q8Dequantize(Pointer w, Pointer scales, int rows, int in, Pointer out) {
        ferry_q8_dequantize(w, scales, rows, in, out);
    }

    /** The level the kernels run at now (one of {@link #LEVELS}). */
    static String isa() {
        return LEVELS.get(level);
    }

    /**
     * Whether the kernels are loaded and run at a vector level (AVX2 or wider): where the attention
     * kernels' 8-float vectors live in registers. At the portable level they live on the stack
     * without AVX, and the attention kernels measured many times slower than the alternatives.
     */
    static boolean atVectorLevel() {
        return AVAILABLE && level > 0;
    }

    /** The levels this CPU can run, narrowest first. */
    static List<String> supportedLevels() {
        return LEVELS.subList(0, ferry_kernels_supported() + 1);
    }

    /**
     * Runs every kernel at {@code level} from now on, or at the widest supported level below it;
     * returns the level in use. For tests of each level, and {@code -Dferry.native.isa}.
     */
    static String select(String level) {
        int index = LEVELS.indexOf(level.toLowerCase(Locale.ROOT));
        if (index < 0) {
            throw new IllegalArgumentException("-D" + ISA + "=" + level + ": the levels are " + String.join(", ", LEVELS));
        }
        NativeKernels.level = ferry_kernels_select(index);
        return isa();
    }

    /** Each row's sum of squares of {@code x[rows, in]}, accumulated in double. */
    static double[] rowSumsOfSquares(Pointer x, int rows, int in) {
        double[] sums = new double[rows];
        ferry_row_sums_of_squares(x, rows, in, sums);
        return sums;
    }

    /** Reads one float per 64-byte line of {@code [at, at + bytes)}, bringing those lines into the caches. */
    static void touch(Pointer at, long bytes) {
        ferry_touch(at, bytes);
    }

    private static boolean load() {
        if (!Boolean.parseBoolean(System.getProperty(SWITCH, "true"))) {
            LOG.info("native kernels off (-D{}=false)", SWITCH);
            return false;
        }
        try {
            Native.register(NativeKernels.class, NativeLibrary.getInstance("ferrykernels", OPEN_LOCAL));
        } catch (UnsatisfiedLinkError e) {
            LOG.info("native kernels not built (no C compiler when Ferry was built: apt-get install gcc libc6-dev, "
                    + "then rebuild): batch-1 CPU decode steps take 5-22% longer");
            LOG.debug("loading libferrykernels failed", e);
            return false;
        }
        level = LEVELS.indexOf(ferry_kernels_isa()); // the widest the CPU has, chosen as the library loaded
        String requested = System.getProperty(ISA);
        if (requested != null && !requested.equalsIgnoreCase(select(requested))) {
            LOG.warn("-D{}={}: this CPU lacks it, the kernels run at {}", ISA, requested, isa());
        }
        LOG.info("native kernels loaded ({}; the CPU supports {})", isa(), supportedLevels());
        return true;
    }

    private static native String ferry_kernels_isa();

    private static native int ferry_kernels_supported();

    private static native int ferry_kernels_select(int level);

    private static native void ferry_sgemm(Pointer w, Pointer x, Pointer y, int rows, int in, int n, int ldy,
                                           float[] alpha, float beta);

    private static native int ferry_packed_attention(Pointer qkv, Pointer context, int[] starts, int[] lengths,
                                                     int inputs, int heads, int headDim, int firstHead, int headCount);

    private static native void ferry_bf16_widen(Pointer w, int rows, int in, Pointer out);

    private static native int ferry_decode_attention(Pointer pool, long keyAt, long valueAt, int[] rows, int keys,
                                                     Pointer q, Pointer out, int group, int headDim);

    private static native int ferry_prefill_attention(Pointer pool, long keyAt, long valueAt, int[] rows, int keys,
                                                      int queries, Pointer q, int qStride, Pointer out, int outStride,
                                                      int group, int headDim);

    private static native void ferry_swiglu(Pointer gateUp, Pointer out, int tokens, int inter);

    private static native void ferry_rope_kv_write(Pointer qkv, int tokens, int heads, int kvHeads, int headDim,
                                                   int half, float[] cosSin, Pointer pool, long[] slotAt,
                                                   long headBytes, long valueBytes);

    private static native void ferry_q8_dequantize(Pointer w, Pointer scales, int rows, int in, Pointer out);

    private static native void ferry_product_parts(int product, Pointer w, Pointer scales, Pointer x, Pointer y,
                                                   int rows, int in, int n, int ldy, float[] alpha, float beta,
                                                   Pointer next, int partRows);

    private static native void ferry_row_sums_of_squares(Pointer x, int rows, int in, double[] sums);

    private static native float ferry_touch(Pointer at, long bytes);
}
