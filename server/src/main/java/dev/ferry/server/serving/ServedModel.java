package dev.ferry.server.serving;

import dev.ferry.engine.admit.Admission;
import dev.ferry.engine.api.Engine;
import dev.ferry.engine.api.EngineConfig;
import dev.ferry.engine.runtime.ModelRunner;
import dev.ferry.store.ModelFolder;
import java.time.Duration;
import java.util.List;

/**
 * One model of the store as the server sees it at a moment: its state and, when ready, the loaded
 * instance. Immutable; the registry swaps in a new one on every state change.
 */
public record ServedModel(String name, State state, String error, Instance instance) {

    public enum State { LOADING, READY, FAILED, UNLOADED }

    /**
     * A loaded model: the folder, its weights and KV cache on a device, the engine loop serving it,
     * and the admission control in front of that loop.
     */
    public record Instance(ModelFolder folder, ModelRunner runner, Engine engine, EngineConfig config,
                           ChatTemplate chatTemplate, Admission admission) implements AutoCloseable {

        public List<String> aliases() {
            return folder.serving().aliases();
        }

        /** Stops the engine (requests still running after {@code drain} end with an error) and frees memory. */
        public void close(Duration drain) {
            try {
                engine.shutdown(drain);
            } finally {
                runner.close();
                folder.close();
            }
        }

        @Override
        public void close() {
            close(Duration.ZERO);
        }
    }

    static ServedModel loading(String name) {
        return new ServedModel(name, State.LOADING, null, null);
    }

    static ServedModel ready(String name, Instance instance) {
        return new ServedModel(name, State.READY, null, instance);
    }

    static ServedModel failed(String name, String error) {
        return new ServedModel(name, State.FAILED, error, null);
    }

    static ServedModel unloaded(String name) {
        return new ServedModel(name, State.UNLOADED, null, null);
    }

    public List<String> aliases() {
        return instance == null ? List.of() : instance.aliases();
    }

    public boolean isReady() {
        return state == State.READY;
    }
}
