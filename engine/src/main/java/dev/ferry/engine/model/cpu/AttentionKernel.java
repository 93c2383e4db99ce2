package dev.ferry.engine.model.cpu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * One query token's grouped-query attention in SIMD Java, reading keys and values where they lie
 * in the paged KV pool. Nothing is gathered or padded, and no mask is needed: only the keys the
 * token may see are visited.
 *
 * <p>The query heads that share a KV head go through in tiles of up to {@link #TILE}: each key or
 * value vector is loaded once per tile and feeds one accumulator per head (held in registers;
 * looping over the heads one at a time measured twice as slow). Uses the incubating Vector API:
 * only made where {@link VectorApi#available()}.
 */
final class AttentionKernel {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final int TILE = 4;

    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final int group;
    /** Vector-wide part of a head: {@code [0, vectorDim)} runs in vectors, the rest lane by lane. */
    private final int vectorDim;
    private final float[] query;
    private final float[] output;
    /** {@code [heads, keys]}: scores, then their softmax. */
    private float[] weights = new float[0];

    AttentionKernel(int heads, int kvHeads, int headDim) {
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.group = heads / kvHeads;
        this.vectorDim = SPECIES.loopBound(headDim);
        this.query = new float[heads * headDim];
        this.output = new float[heads * headDim];
    }

    /**
     * Attends one token's query heads that share KV head {@code kv} to the keys it sees.
     *
     * @param pool the layer's KV pool, all of it
     * @param q the token's queries, {@code heads * headDim} floats from byte {@code qAt}, pre-scaled
     * @param out where its {@code heads * headDim} outputs go, from byte {@code outAt}; only the
     *     group's heads are written
     * @param keyRows byte offset in the pool of each visible key of KV head 0, {@code keys} of them
     * @param headBytes from one KV head's row of a token to the next head's
     * @param valueBytes from a key's row to the value's row of the same token and head
     */
    void attend(ByteBuffer pool, ByteBuffer q, int qAt, ByteBuffer out, int outAt, int[] keyRows, int keys,
                int headBytes, int valueBytes, int kv) {
        if (weights.length < heads * keys) {
            weights = new float[heads * keys];
        }
        int groupFloats = group * headDim;
        int groupAt = kv * groupFloats;
        q.asFloatBuffer().get(qAt / Float.BYTES + groupAt, query, groupAt, groupFloats);
        for (int first = kv * group; first < (kv + 1) * group; first += TILE) {
            int tile = Math.min(TILE, (kv + 1) * group - first);
            scores(pool, keyRows, keys, kv * headBytes, first, tile);
            for (int h = first; h < first + tile; h++) {
                exponentiate(h * keys, keys);
            }
            mix(pool, keyRows, keys, kv * headBytes + valueBytes, first, tile);
        }
        out.asFloatBuffer().put(outAt / Float.BYTES + groupAt, output, groupAt, groupFloats);
    }

    /** {@code weights[h][j] = q_h · k_j} for the {@code tile} query heads from {@code first}, keys at {@code keyRows + shift}. */
    private void scores(ByteBuffer pool, int[] keyRows, int keys, int shift, int first, int tile) {
        int q0 = first * headDim;
        int q1 = q0 + (tile > 1 ? headDim : 0); // a tile of fewer heads repeats its first: same work, nothing stored
        int q2 = q0 + (tile > 2 ? 2 * headDim : 0);
        int q3 = q0 + (tile > 3 ? 3 * headDim : 0);
        for (int j = 0; j < keys; j++) {
            int row = keyRows[j] + shift;
            FloatVector a0 = FloatVector.zero(SPECIES);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            int d = 0;
            for (; d < vectorDim; d += SPECIES.length()) {
                FloatVector k = FloatVector.fromByteBuffer(SPECIES, pool, row + d * Float.BYTES, ORDER);
                a0 = FloatVector.fromArray(SPECIES, query, q0 + d).fma(k, a0);
                a1 = FloatVector.fromArray(SPECIES, query, q1 + d).fma(k, a1);
                a2 = FloatVector.fromArray(SPECIES, query, q2 + d).fma(k, a2);
                a3 = FloatVector.fromArray(SPECIES, query, q3 + d).fma(k, a3);
            }
            weights[first * keys + j] = a0.reduceLanes(VectorOperators.ADD) + tailDot(pool, q0, row, d);
            if (tile > 1) {
                weights[(first + 1) * keys + j] = a1.reduceLanes(VectorOperators.ADD) + tailDot(pool, q1, row, d);
            }
            if (tile > 2) {
                weights[(first + 2) * keys + j] = a2.reduceLanes(VectorOperators.ADD) + tailDot(pool, q2, row, d);
            }
            if (tile > 3) {
                weights[(first + 3) * keys + j] = a3.reduceLanes(VectorOperators.ADD) + tailDot(pool, q3, row, d);
            }
        }
    }

    /** The part of a query-key product past the vector-wide part of the head, {@code [from, headDim)}. */
    private float tailDot(ByteBuffer pool, int qAt, int row, int from) {
        float dot = 0;
        for (int e = from; e < headDim; e++) {
            dot += query[qAt + e] * pool.getFloat(row + e * Float.BYTES);
        }
        return dot;
    }

    /** Replaces {@code keys} scores from {@code at} by their softmax. */
    private void exponentiate(int at, int keys) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < keys; j++) {
            max = Math.max(max, weights[at + j]);
        }
        FloatVector sums = FloatVector.zero(SPECIES);
        int j = 0;
        for (; j < SPECIES.loopBound(keys); j += SPECIES.length()) {
            FloatVector e = FloatVector.fromArray(SPECIES, weights, at + j).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(weights, at + j);
            sums = sums.add(e);
        }
        float sum = sums.reduceLanes(VectorOperators.ADD);
        for (; j < keys; j++) {
            float e = (float) Math.exp(weights[at + j] - max);
            weights[at + j] = e;
            sum += e;
        }
        float scale = 1f / sum;
        for (j = 0; j < keys; j++) {
            weights[at + j] *= scale;
        }
    }

    /** {@code output[h] = Σ_j weights[h][j] v_j} for the {@code tile} query heads from {@code first}, values at {@code keyRows + shift}. */
    private void mix(ByteBuffer pool, int[] keyRows, int keys, int shift, int first, int tile) {
        int w0 = first * keys;
        int w1 = w0 + (tile > 1 ? keys : 0);
        int w2 = w0 + (tile > 2 ? 2 * keys : 0);
        int w3 = w0 + (tile > 3 ? 3 * keys : 0);
        int d = 0;
        for (; d < vectorDim; d += SPECIES.length()) {
            FloatVector a0 = FloatVector.zero(SPECIES);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int j = 0; j < keys; j++) {
                FloatVector v = FloatVector.fromByteBuffer(SPECIES, pool, keyRows[j] + shift + d * Float.BYTES, ORDER);
                a0 = FloatVector.broadcast(SPECIES, weights[w0 + j]).fma(v, a0);
                a1 = FloatVector.broadcast(SPECIES, weights[w1 + j]).fma(v, a1);
                a2 = FloatVector.broadcast(SPECIES, weights[w2 + j]).fma(v, a2);
                a3 = FloatVector.broadcast(SPECIES, weights[w3 + j]).fma(v, a3);
            }
            int o = first * headDim + d;
            a0.intoArray(output, o);
            if (tile > 1) {
                a1.intoArray(output, o + headDim);
            }
            if (tile > 2) {
                a2.intoArray(output, o + 2 * headDim);
            }
            if (tile > 3) {
                a3.intoArray(output, o + 3 * headDim);
            }
        }
        for (; d < headDim; d++) {
            for (int t = 0; t < tile; t++) {
                float acc = 0;
                for (int j = 0; j < keys; j++) {
                    acc += weights[(first + t) * keys + j] * pool.getFloat(keyRows[j] + shift + d * Float.BYTES);
                }
                output[(first + t) * headDim + d] = acc;
            }
        }
    }
}
