package dev.ferry.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.ferry.engine.kv.KvCache;
import dev.ferry.engine.step.ForwardBatch;
import dev.ferry.engine.step.SequenceSpan;
import java.util.List;

/**
 * A step's inputs on the device, uploaded once and shared by every layer: token ids, positions,
 * the KV rows to write, and which rows feed the LM head. (Each {@link Attention} plans its own
 * step from the spans: layers of one model may see different windows.)
 */
public final class StepInputs {
    final NDManager manager;
    final NDArray tokenIds;
    final NDArray positions;
    final NDIndex kvWrite;
    /** Token rows whose logits are wanted, or null when every token's are (a pure decode step, or all scored). */
    final NDArray logitRows;
    final int numTokens;
    /** The positions and KV slots of the tokens, as the batch gave them. */
    final int[] hostPositions;
    final int[] hostSlots;
    /** The batch's sequences, in token order. */
    final List<SequenceSpan> spans;
    final StepBuffers buffers;
    /** Null unless a benchmark counts this step's ops. */
    private final OpCounter counter;

    private StepInputs(NDManager manager, NDArray tokenIds, NDArray positions, NDIndex kvWrite, NDArray logitRows,
                       int[] hostPositions, int[] hostSlots, List<SequenceSpan> spans, OpCounter counter) {
        this.manager = manager;
        this.tokenIds = tokenIds;
        this.positions = positions;
        this.kvWrite = kvWrite;
        this.logitRows = logitRows;
        this.numTokens = hostPositions.length;
        this.hostPositions = hostPositions;
        this.hostSlots = hostSlots;
        this.spans = spans;
        this.counter = counter;
        this.buffers = new StepBuffers(manager);
    }

    /** @param counter counts the step's ops, or null */
    public static StepInputs upload(ForwardBatch batch, KvCache kv, NDManager step, OpCounter counter) {
        int rows = batch.numLogitRows();
        NDArray logitRows = null;
        if (rows != batch.numTokens()) {
            long[] idx = new long[rows];
            int r = 0;
            for (SequenceSpan s : batch.sequences()) {
                for (int k = s.queryLen() - s.logitRows(); k < s.queryLen(); k++) {
                    idx[r++] = s.queryStart() + k;
                }
            }
            logitRows = step.create(idx);
        }
        return new StepInputs(step, step.create(toLong(batch.tokenIds())), step.create(toLong(batch.positions())),
                kv.writeIndex(batch.slots(), step), logitRows, batch.positions(), batch.slots(), batch.sequences(), counter);
    }

    /** Marks where the decoder layers begin, for an {@link OpCounter}. */
    public void layersStart() {
        if (counter != null) {
            counter.layersStart(manager);
        }
    }

    /** Marks where the decoder layers end, for an {@link OpCounter}. */
    public void layersEnd(int numLayers) {
        if (counter != null) {
            counter.layersEnd(manager, numLayers);
        }
    }

    /** Where this step's Java kernels write their outputs (see {@link StepBuffers} for when that is safe). */
    public StepBuffers buffers() {
        return buffers;
    }

    /** Tokens in the step. */
    public int numTokens() {
        return numTokens;
    }

    /** {@code [T]} int64. */
    public NDArray tokenIds() {
        return tokenIds;
    }

    /** Each token's position in its sequence, {@code [T]} int64. */
    public NDArray positions() {
        return positions;
    }

    /**
     * The hidden rows whose logits are wanted, in span order: the last token of each span that reaches its
     * sequence's end, and the scored tokens of a scoring run.
     */
    public NDArray sampledRows(NDArray hidden) {
        return logitRows == null ? hidden : JniUtils.embedding((PtNDArray) logitRows, (PtNDArray) hidden, false);
    }

    private static long[] toLong(int[] a) {
        long[] out = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
    }
}
