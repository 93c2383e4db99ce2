package dev.ferry.server.cli;

import java.nio.file.Path;

/**
 * Ferry's home folder, which holds the default model store and the caches: {@code $FERRY_HOME},
 * else {@code ~/.ferry}; the system property {@code ferry.home} overrides both (tests use it).
 */
final class FerryHome {
    private FerryHome() {}

    static Path folder() {
        String home = System.getProperty("ferry.home", System.getenv("FERRY_HOME"));
        return home != null ? Path.of(home) : Path.of(System.getProperty("user.home"), ".ferry");
    }

    static Path modelStore() {
        return folder().resolve("model-store");
    }

    /** The learned router's fits, one file per route ({@code dev.ferry.server.routing.LearnedScorer}). */
    static Path learnedRoutes() {
        return folder().resolve("routing");
    }

    /** The linear tuner's choices per host ({@code dev.ferry.engine.model.TuningCache}). */
    static Path tuningCache() {
        return folder().resolve("cache").resolve("tuning");
    }
}
