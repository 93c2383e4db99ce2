package dev.ferry.server.models;

import dev.ferry.engine.Engine;
import dev.ferry.engine.LoadedModel;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.server.admission.Admission;
import dev.ferry.server.embed.Embedder;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.config.ServingConfig.Tier;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One model of the store as the server sees it at a moment: its state, its tier when known (the
 * router needs it even while the model is unloaded) and, when ready or draining, what is loaded:
 * a generator's replicas, or an embedding model's {@link Embedder} (never both). Immutable; the
 * registry swaps in a new one on every state change.
 *
 * @param replicas a generator's loaded replicas; empty for an embedding model
 * @param embedder an embedding model's encoder and batcher; null for a generator or while nothing is loaded
 */
public record ServedModel(String name, State state, String error, Tier tier, List<Instance> replicas,
                          Embedder embedder) {

    /** DRAINING: unloading, so no new requests, while those in flight finish. */
    public enum State { LOADING, READY, DRAINING, FAILED, UNLOADED }

    public ServedModel {
        replicas = List.copyOf(replicas);
    }

    /**
     * One loaded replica: the folder (shared by the model's replicas), its weights and KV cache on a
     * device, the engine loop serving it, the admission control in front of that loop, and a count
     * of the requests it is running.
     */
    public static final class Instance {
        private final ModelFolder folder;
        private final LoadedModel loaded;
        private final Engine engine;
        private final EngineConfig config;
        private final ChatTemplate chatTemplate;
        private final Admission admission;
        private final AtomicInteger inFlight = new AtomicInteger();

        Instance(ModelFolder folder, LoadedModel loaded, Engine engine, EngineConfig config, ChatTemplate chatTemplate,
                 Admission admission) {
            this.folder = folder;
            this.loaded = loaded;
            this.engine = engine;
            this.config = config;
            this.chatTemplate = chatTemplate;
            this.admission = admission;
        }

        public ModelFolder folder() {
            return folder;
        }

        /** The weights and KV pool on their device. */
        public LoadedModel loaded() {
            return loaded;
        }

        public Engine engine() {
            return engine;
        }

        public EngineConfig config() {
            return config;
        }

        public ChatTemplate chatTemplate() {
            return chatTemplate;
        }

        public Admission admission() {
            return admission;
        }

        /** Requests submitted to this replica and not finished: what the least-loaded choice compares. */
        public int inFlight() {
            return inFlight.get();
        }

        /**
         * Counts a request submitted to this replica, until {@link #leave()} at its finish or at the
         * engine's refusal. A counter of our own rather than the engine's gauges, which the loop
         * updates once an iteration and which miss requests still in the submit queue.
         */
        public void enter() {
            inFlight.incrementAndGet();
        }

        /** A counted request finished, or the engine refused it: its place goes back. */
        public void leave() {
            inFlight.decrementAndGet();
        }

        /** Stops the engine (requests still running after {@code drain} end with an error) and frees its memory. */
        void close(Duration drain) {
            try {
                engine.shutdown(drain);
            } finally {
                loaded.close();
            }
        }
    }

    static ServedModel loading(String name, Tier tier) {
        return new ServedModel(name, State.LOADING, null, tier, List.of(), null);
    }

    static ServedModel ready(String name, List<Instance> replicas) {
        return new ServedModel(name, State.READY, null, replicas.get(0).folder().serving().tier(), replicas, null);
    }

    static ServedModel ready(String name, Embedder embedder) {
        return new ServedModel(name, State.READY, null, embedder.folder().serving().tier(), List.of(), embedder);
    }

    static ServedModel failed(String name, Tier tier, String error) {
        return new ServedModel(name, State.FAILED, error, tier, List.of(), null);
    }

    ServedModel draining() {
        return new ServedModel(name, State.DRAINING, null, tier, replicas, embedder);
    }

    ServedModel unloaded() {
        return new ServedModel(name, State.UNLOADED, null, tier, List.of(), null);
    }

    /** The first replica, for what the replicas share (folder, tokenizer, limits); null when none is loaded. */
    public Instance instance() {
        return replicas.isEmpty() ? null : replicas.get(0);
    }

    /** The replica with the fewest requests in flight; the first on a tie. */
    public Instance leastLoaded() {
        Instance best = replicas.get(0);
        for (Instance r : replicas) {
            if (r.inFlight() < best.inFlight()) {
                best = r;
            }
        }
        return best;
    }

    public List<String> aliases() {
        ModelFolder folder = folder();
        return folder == null ? List.of() : folder.serving().aliases();
    }

    public boolean isReady() {
        return state == State.READY;
    }

    /** Ready, and a generator: what completions, chat, tokenizing and routes need. */
    public boolean servesGeneration() {
        return isReady() && embedder == null;
    }

    /** Ready, and an embedding model: what embeddings need. */
    public boolean servesEmbeddings() {
        return isReady() && embedder != null;
    }

    /** The loaded folder, whichever kind; null when nothing is loaded. */
    private ModelFolder folder() {
        return embedder != null ? embedder.folder() : replicas.isEmpty() ? null : instance().folder();
    }

    /**
     * Stops every replica (or the embedder), all draining toward one deadline so that N replicas
     * take {@code drain}, not N times it, and closes the shared folder.
     */
    void close(Duration drain) {
        long deadline = System.nanoTime() + drain.toNanos();
        ModelFolder folder = folder();
        try {
            for (Instance r : replicas) {
                r.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            }
            if (embedder != null) {
                embedder.close(drain);
            }
        } finally {
            if (folder != null) {
                folder.close();
            }
        }
    }
}
