package dev.ferry.engine.api;

/**
 * The size of a loaded model's paged KV pool, as operators and placement see it.
 *
 * @param numBlocks blocks in the pool
 * @param blockSize token slots per block
 * @param totalBytes what the pool takes on its device, all layers' keys and values
 */
public record KvPoolSize(int numBlocks, int blockSize, long totalBytes) {}
