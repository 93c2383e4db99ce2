package dev.ferry.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import dev.ferry.engine.kv.KvCache;

/**
 * Grouped-query attention over the paged KV cache, one batched computation per
 * {@link AttentionPlan.Group}. Queries arrive already scaled by {@code 1/sqrt(headDim)} (folded
 * into the query weights at load time). Query heads sharing a KV head become the rows of one
 * matrix product against that head's keys, so K/V are never repeated per query head.
 */
public final class PagedAttention {
    private final int numHeads;
    private final int kvHeads;
    private final int headDim;

    public PagedAttention(int numHeads, int kvHeads, int headDim) {
        this.numHeads = numHeads;
        this.kvHeads = kvHeads;
        this.headDim = headDim;
    }

    /**
     * @param q {@code [tokens, numHeads, headDim]}, pre-scaled
     * @return {@code [tokens, numHeads * headDim]}
     */
    public NDArray forward(int layer, NDArray q, AttentionPlan plan, KvCache kv) {
        var groups = plan.groups();
        if (groups.size() == 1) {
            return group(layer, q, groups.get(0), kv);
        }
        NDList outs = new NDList(groups.size());
        for (AttentionPlan.Group g : groups) {
            NDArray qg = q.get(new NDIndex("{}:{}", g.tokenStart(), g.tokenStart() + g.numTokens()));
            outs.add(group(layer, qg, g, kv));
        }
        return NDArrays.concat(outs, 0);
    }

    private NDArray group(int layer, NDArray q, AttentionPlan.Group g, KvCache kv) {
        int s = g.numSeqs();
        int qLen = g.queryLen();
        int per = numHeads / kvHeads;
        // [S*Q, H, D] -> [S, KV, Q*G, D]: one row per (query, head of the KV group)
        NDArray queries = qLen == 1
                ? q.reshape(s, kvHeads, per, headDim)
                : q.reshape(s, qLen, kvHeads, per, headDim).transpose(0, 2, 1, 3, 4)
                        .reshape(s, kvHeads, (long) qLen * per, headDim);
        NDArray keysValues = kv.gather(layer, g.gatherIndex(), s);      // [2, S, KV, L, D]
        NDArray scores = queries.matMul(keysValues.get(0).transpose(0, 1, 3, 2)); // [S, KV, Q*G, L]
        if (g.mask() != null) {
            // decode masks [S, 1, 1, L] broadcast as they are; prefill masks [S, 1, Q, 1, L] need the query axis
            (qLen == 1 ? scores : scores.reshape(s, kvHeads, qLen, per, scores.getShape().get(3))).addi(g.mask());
        }
        NDArray out = scores.softmax(-1).matMul(keysValues.get(1));    // [S, KV, Q*G, D]
        if (qLen == 1) {
            return out.reshape(s, (long) numHeads * headDim);
        }
        return out.reshape(s, kvHeads, qLen, per, headDim).transpose(0, 2, 1, 3, 4)
                .reshape((long) s * qLen, (long) numHeads * headDim);
    }
}
