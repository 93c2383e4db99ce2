package dev.ferry.engine.embed;

/** One input waiting for a batch: which request it belongs to, its place in that request's list, its ids. */
record Pending(EmbedRequest request, int index, int[] ids, long arrivedNanos) {
    int length() {
        return ids.length;
    }
}
