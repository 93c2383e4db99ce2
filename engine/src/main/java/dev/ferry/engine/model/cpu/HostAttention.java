package dev.ferry.engine.model.cpu;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.sun.jna.Pointer;
import dev.ferry.engine.kv.KvCache;
import dev.ferry.engine.kv.KvCacheSpec;
import dev.ferry.engine.kv.SlidingWindow;
import dev.ferry.engine.model.StepBuffers;
import dev.ferry.engine.step.SequenceSpan;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * Attention of an fp32 CPU step (the steps {@link HostRopeWrite} serves) computed straight from
 * the KV pool, by Ferry's native decode kernel ({@code ferry_decode_attention}) where the
 * native kernels run at a vector level, else in Java by {@link AttentionKernel} (the incubating
 * Vector API). The libtorch way gathers the blocks into a padded copy, masks, and runs two batched
 * products and a softmax: about a dozen ops a layer. Measured inside batch-1 steps of the small
 * preset on 2 cores, at contexts from 150 to 450: 130-290 µs a layer that way, 60-110 µs in Java
 * (batch 8: 900-970 against 600-670). The native kernel prefetches each key's row a few keys
 * ahead where the Java one reads the blocks first: at context 128-200, int8 weights, the step's
 * attention took 0.55-0.9 ms against 0.8-1.7 in Java (2-vCPU EPYC, AVX2, one process in turns).
 * With neither, the libtorch way stays. A sequence's run of new tokens (a prompt, a prefill chunk)
 * goes to the native prefill kernel ({@code ferry_prefill_attention}) instead, four tokens a pass
 * over keys it transposes once per KV head: a 128-token prefill's attention, RoPE and KV write
 * took 8-10 ms instead of 21 (small preset, fp32, same host), and with the native RoPE the prefill
 * ran 1.07x (quartiles 1.00-1.12 over 24 rounds in turns in one process, 726 against 710 tok/s).
 */
public final class HostAttention {
    private static final int CACHE_LINE = 64;
    static final int WARM_UP_CALLS = 400;
    /**
     * Most tokens of a step the native kernels attend under a sliding window, which the prefill
     * kernel does not take (each token then attends on its own); libtorch's batched way attends
     * larger ones. Against libtorch's gather and batched products, small preset, context 128
     * (2-vCPU EPYC, one process in turns): decode steps of 16 sequences 71 against 95 ms, 32
     * sequences 101 against 130 (int8 weights 101 against 136), 64 sequences 200 against 272; a
     * 128-token prefill 535 against 501 tok/s, and at 256 tokens the two came even (490 against 486).
     * Without a window every step attends here: with the prefill kernel, in turns in one process
     * against libtorch's way for steps over 128 tokens, prefills of 256 tokens ran 1.21x, 512 1.17x,
     * 1,024 1.36x and 2,048 2.41x (818 / 732 / 647 / 502 tok/s against 680 / 614 / 495 / 219).
     */
    static final int WINDOWED_MAX_TOKENS = 128;
    /**
     * New tokens of a sequence from which the native prefill kernel attends them together (four
     * tokens a pass over the keys, which it transposes once per KV head) rather than one by one.
     */
    static final int RUN_MIN_TOKENS = 4;

    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final Integer slidingWindow;
    /** Whether the native kernel attends; else the Java one. */
    private final boolean nativeKernel;
    /** The Java kernel, one per thread that attends: the engine thread and its BLAS partner each hold their own scratch. */
    private final ThreadLocal<AttentionKernel> kernels;
    /** Keeps {@link #touch}'s reads from being optimized away. */
    private int touched;

    public HostAttention(int heads, int kvHeads, int headDim, Integer slidingWindow) {
        this(heads, kvHeads, headDim, slidingWindow, nativeKernelRuns());
    }

    HostAttention(int heads, int kvHeads, int headDim, Integer slidingWindow, boolean nativeKernel) {
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.slidingWindow = slidingWindow;
        this.nativeKernel = nativeKernel;
        this.kernels = !nativeKernel && VectorApi.available()
                ? ThreadLocal.withInitial(() -> new AttentionKernel(heads, kvHeads, headDim)) : null;
    }

    /**
     * Whether the native kernel runs here: loaded, at a vector level. At the portable level its
     * 8-float vectors live on the stack (as {@link PackedAttention}'s do), and the Java kernel runs.
     */
    static boolean nativeKernelRuns() {
        return NativeKernels.atVectorLevel();
    }

    /**
     * Whether a step of {@code tokens} tokens attends here: an fp32 CPU step with the native kernels
     * (of at most {@link #WINDOWED_MAX_TOKENS} tokens under a sliding window), of a few with the Java
     * one. Its RoPE and KV write then run on the host too ({@link HostRopeWrite}).
     */
    public boolean applies(int tokens, DataType dtype, KvCache kv) {
        int most = !nativeKernel ? SmallStepThreads.MAX_TOKENS
                : slidingWindow != null ? WINDOWED_MAX_TOKENS : Integer.MAX_VALUE;
        return tokens <= most && HostRopeWrite.fits(dtype, kv) && (nativeKernel || VectorApi.available());
    }

    /**
     * What a step's tokens read, the same in every layer's pool: computed once per step.
     *
     * @param runs the sequences' runs of at least {@link #RUN_MIN_TOKENS} new tokens that the native
     *     prefill kernel attends together (none where the Java kernel attends, or under a sliding window)
     * @param singles the step's other tokens, attended one at a time, in order
     * @param keyRows per token, the byte offset of each key it sees (KV head 0's key row); null for
     *     the tokens of a run
     * @param blocks per token, the byte offset of each block those keys lie in, which the Java kernel
     *     reads first; null where the native kernel attends (it reads each key's row ahead itself)
     * @param headBytes from one KV head's row of a token to the next head's
     * @param valueBytes from a key's row to the value's row of the same token and head
     */
    public record StepKeys(Run[] runs, int[] singles, int[][] keyRows, int[][] blocks, int headBytes,
                           int valueBytes) {}

    /**
     * New tokens {@code [firstToken, firstToken + tokens)} of one sequence, the last of its keys:
     * {@code keyRows} are the last token's, each earlier token sees one key fewer than the next.
     */
    record Run(int firstToken, int tokens, int[] keyRows) {}

    /** A token at position p of its sequence sees keys {@code [0, p]}, or the last {@code slidingWindow} of them. */
    public StepKeys keys(List<SequenceSpan> spans, KvCache kv) {
        int blockSize = kv.spec().blockSize();
        int tokens = 0;
        for (SequenceSpan s : spans) {
            tokens += s.queryLen();
        }
        int[][] rows = new int[tokens][];
        int[][] blocks = nativeKernel ? null : new int[tokens][];
        List<Run> runs = new ArrayList<>();
        for (SequenceSpan s : spans) {
            int[] table = s.blockTable();
            if (nativeKernel && slidingWindow == null && s.queryLen() >= RUN_MIN_TOKENS) {
                runs.add(new Run(s.queryStart(), s.queryLen(), keyRows(kv, table, 0, s.contextLen() - 1)));
                continue;
            }
            for (int q = 0; q < s.queryLen(); q++) {
                int last = s.contextLen() - s.queryLen() + q;
                int first = SlidingWindow.firstVisible(last, slidingWindow);
                rows[s.queryStart() + q] = keyRows(kv, table, first, last);
                if (blocks != null) {
                    int[] b = new int[last / blockSize - first / blockSize + 1];
                    for (int i = 0; i < b.length; i++) {
                        b[i] = rowBytes(kv, table[first / blockSize + i] * blockSize, 0, 0);
                    }
                    blocks[s.queryStart() + q] = b;
                }
            }
        }
        int origin = rowBytes(kv, 0, 0, 0);
        int[] singles = IntStream.range(0, tokens).filter(t -> rows[t] != null).toArray();
        return new StepKeys(runs.toArray(new Run[0]), singles, rows, blocks, rowBytes(kv, 0, 0, 1) - origin,
                rowBytes(kv, 0, 1, 0) - origin);
    }

    /** The byte offsets of the key rows of positions {@code [first, last]} of a sequence (KV head 0). */
    private int[] keyRows(KvCache kv, int[] table, int first, int last) {
        int blockSize = kv.spec().blockSize();
        int[] r = new int[last - first + 1];
        for (int i = first; i <= last; i++) {
            r[i - first] = rowBytes(kv, KvCacheSpec.slot(table, i, blockSize), 0, 0);
        }
        return r;
    }

    /**
     * @param qkv {@code [tokens, heads + 2 kvHeads, headDim]}, contiguous, queries rotated and pre-scaled
     * @param keys from {@link #keys} for this step
     * @return {@code [tokens, heads * headDim]}, one of the step's buffers
     */
    public NDArray forward(int layer, NDArray qkv, StepKeys keys, KvCache kv, StepBuffers buffers) {
        int tokens = keys.keyRows().length;
        NDArray out = buffers.get(tokens, (long) heads * headDim);
        int qStride = (heads + 2 * kvHeads) * headDim * Float.BYTES;
        int outStride = heads * headDim * Float.BYTES;
        // a unit is one KV head's query heads of a run, or of one token: independent of the others,
        // and the BLAS partner takes some (batch-8 step, Llama small, token by token: 28.4 to 26.1 ms,
        // GPT-2 small 41.0 to 33.3; head by head the batch-1 step shares its attention too); runs
        // first, the largest units
        IntConsumer unit = nativeKernel ? nativeUnit(kv.rows(layer), qkv, out, keys, qStride, outStride)
                : javaUnit(kv.rows(layer), qkv, out, keys, qStride, outStride);
        OpenBlas.eachUnitAPart((keys.runs().length + keys.singles().length) * kvHeads, (from, count) -> {
            for (int u = from; u < from + count; u++) {
                unit.accept(u);
            }
        });
        return out;
    }

    /**
     * The native kernels' unit {@code u}, KV head {@code u % kvHeads}: of run {@code u / kvHeads} by
     * the prefill kernel, past the runs' units of a single token by the decode kernel.
     */
    private IntConsumer nativeUnit(NDArray pool, NDArray qkv, NDArray out, StepKeys keys, int qStride, int outStride) {
        Pointer p = OpenBlas.address(pool);
        Pointer q = OpenBlas.address(qkv);
        Pointer o = OpenBlas.address(out);
        int group = heads / kvHeads;
        int runUnits = keys.runs().length * kvHeads;
        return u -> {
            int kvHead = u % kvHeads;
            long keyAt = (long) kvHead * keys.headBytes();
            long groupAt = (long) kvHead * group * headDim * Float.BYTES;
            if (u < runUnits) {
                Run run = keys.runs()[u / kvHeads];
                NativeKernels.prefillAttention(p, keyAt, keyAt + keys.valueBytes(), run.keyRows(), run.tokens(),
                        q.share((long) run.firstToken() * qStride + groupAt), qStride / Float.BYTES,
                        o.share((long) run.firstToken() * outStride + groupAt), outStride / Float.BYTES, group,
                        headDim);
            } else {
                int t = keys.singles()[(u - runUnits) / kvHeads];
                NativeKernels.decodeAttention(p, keyAt, keyAt + keys.valueBytes(), keys.keyRows()[t],
                        q.share((long) t * qStride + groupAt), o.share((long) t * outStride + groupAt), group, headDim);
            }
        };
    }

    /** The Java kernel's unit {@code u}: a single token's (it attends no runs), KV head {@code u % kvHeads}. */
    private IntConsumer javaUnit(NDArray pool, NDArray qkv, NDArray out, StepKeys keys, int qStride, int outStride) {
        ByteBuffer p = OpenBlas.view(pool);
        ByteBuffer q = OpenBlas.view(qkv);
        ByteBuffer o = OpenBlas.view(out);
        return u -> {
            int t = keys.singles()[u / kvHeads];
            int kvHead = u % kvHeads;
            int[] rows = keys.keyRows()[t];
            touch(p, keys.blocks()[t], kvHead * keys.headBytes(), keys.headBytes(), keys.valueBytes());
            kernels.get().attend(p, q, t * qStride, o, t * outStride, rows, rows.length, keys.headBytes(),
                    keys.valueBytes(), kvHead);
        };
    }

    /**
     * Reads one int per cache line of one KV head's keys and values in each of a token's blocks, in
     * address order, before the kernel attends them. The weights streamed since the last step have
     * evicted the pool from the caches, and the kernel's own reads, a few lines per key with
     * arithmetic between, keep few misses in flight: alone it took 65 µs a layer on a cold pool at
     * context 129 against 16 on a warm one, and inside batch-1 steps this read first took its
     * 100-250 µs a layer to 60-110. Unit by unit, so that what is read stays in the caches until
     * the kernel uses it: all of a step's blocks first, GPT-2 at batch 8 and context 400 (19 MB of
     * keys and values a layer) attended slower than libtorch.
     *
     * @param headAt from a block's start to this head's keys
     * @param headBytes the bytes of one head's keys in a block (and of its values)
     * @param valueBytes from the head's keys to its values
     */
    private void touch(ByteBuffer pool, int[] blocks, int headAt, int headBytes, int valueBytes) {
        int sum = 0;
        for (int start : blocks) {
            for (int keys = start + headAt, at = keys; at < keys + headBytes; at += CACHE_LINE) {
                sum += pool.getInt(at) + pool.getInt(at + valueBytes);
            }
        }
        touched = sum;
    }

    /**
     * Runs the kernel on made-up keys until the JIT has compiled it. Interpreted, the Vector API
     * builds an object per operation: the first decode steps after a load took 270, 110, 130 ms
     * against 12 once compiled. A no-op where the kernel is not used; a few ms after the first load.
     */
    public void warmUp() {
        if (kernels == null) { // the native kernel is compiled already
            return;
        }
        int keys = 64;
        int rowBytes = headDim * Float.BYTES;
        int headBytes = keys * rowBytes;
        ByteBuffer pool = ByteBuffer.allocateDirect(2 * kvHeads * headBytes).order(ByteOrder.nativeOrder());
        ByteBuffer q = ByteBuffer.allocateDirect(heads * rowBytes).order(ByteOrder.nativeOrder());
        ByteBuffer out = ByteBuffer.allocateDirect(heads * rowBytes).order(ByteOrder.nativeOrder());
        int[] keyRows = new int[keys];
        for (int j = 0; j < keys; j++) {
            keyRows[j] = j * rowBytes;
        }
        for (int i = 0; i < WARM_UP_CALLS; i++) {
            kernels.get().attend(pool, q, 0, out, 0, keyRows, keys, headBytes, kvHeads * headBytes, i % kvHeads);
        }
    }

    /** Byte offset of a pool row; {@link HostRopeWrite#applies} has checked that a layer's pool fits an int. */
    private int rowBytes(KvCache kv, int slot, int kOrV, int head) {
        return (int) (kv.spec().row(slot, kOrV, head) * headDim * Float.BYTES);
    }
}
