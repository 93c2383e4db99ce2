package dev.ferry.engine.api;

import java.nio.file.Path;

/**
 * Where the CPU layers' tuned forms are kept between starts, and whether to time them again.
 *
 * @param cacheFolder folder of the tuning cache (the CLI's {@code $FERRY_HOME/cache/tuning}); null
 *     to keep nothing, so every load times every layer shape
 * @param retune time every layer shape even where the cache holds a choice, and replace it
 */
public record TuningOptions(Path cacheFolder, boolean retune) {
    public static final TuningOptions UNCACHED = new TuningOptions(null, false);
}
