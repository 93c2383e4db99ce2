package dev.ferry.server.models;

import dev.ferry.server.api.ApiException;
import dev.ferry.store.config.ServingConfig;
import dev.ferry.store.config.ServingConfig.Tier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models of one model store (each sub-folder holding a config.json is a model named after its
 * folder) and their states. Reads are lock-free; loads are serialised, drains run outside the lock
 * so one model's drain holds up no other. A folder that fails to load is marked FAILED with the
 * reason and the others keep serving.
 */
public final class ModelRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Duration DEFAULT_UNLOAD_GRACE = Duration.ofSeconds(30);

    private final Path store;
    private final ModelLoader loader;
    private final Duration unloadGrace;
    private final Map<String, ServedModel> models = new ConcurrentHashMap<>();
    private volatile Map<String, String> aliases = Map.of();
    private final List<Consumer<ServedModel>> listeners = new CopyOnWriteArrayList<>();

    public ModelRegistry(Path store, ModelLoader loader) {
        this(store, loader, DEFAULT_UNLOAD_GRACE);
    }

    /** @param unloadGrace how long an unload lets requests in flight run ({@link #unload(String)}) */
    public ModelRegistry(Path store, ModelLoader loader, Duration unloadGrace) {
        this.store = store;
        this.loader = loader;
        this.unloadGrace = unloadGrace;
    }

    public Path store() {
        return store;
    }

    /** Called after every state change (health reporting). */
    public void onChange(Consumer<ServedModel> listener) {
        listeners.add(listener);
    }

    /** The names of the model folders in the store, sorted. */
    public List<String> folderNames() throws IOException {
        if (!Files.isDirectory(store)) {
            throw new IOException("model store " + store + " is not a directory");
        }
        try (Stream<Path> s = Files.list(store)) {
            return s.filter(p -> Files.isRegularFile(p.resolve("config.json")))
                    .map(p -> p.getFileName().toString()).filter(n -> NAME.matcher(n).matches()).sorted().toList();
        }
    }

    /**
     * Marks every folder LOADING and places all their replicas (so the devices' KV budgets are split
     * among all of them), then loads them one after the other.
     */
    public void loadAll() throws IOException {
        List<String> names = folderNames();
        for (String n : names) {
            ServingConfig config = servingConfig(n);
            update(ServedModel.loading(n, config != null ? config.tier() : null));
            if (config != null) {
                try {
                    loader.reserve(store.resolve(n), config);
                } catch (RuntimeException e) {
                    // its load fails the same way and reports why
                }
            }
        }
        for (String n : names) {
            try {
                load(n);
            } catch (ApiException e) { // the folder went away meanwhile
                LOG.warn("model {} not loaded: {}", n, e.getMessage());
                remove(n, Duration.ZERO);
            }
        }
    }

    /**
     * Loads (or reloads after a failure or an unload) the model folder {@code name}; a failure is
     * recorded, not thrown, unless the name is bad, the folder missing, or the model still draining.
     */
    public synchronized ServedModel load(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw ApiException.invalid("name", "'" + name + "' is not a model folder name");
        }
        Path dir = store.resolve(name);
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw ApiException.notFound("model store " + store + " has no model folder '" + name + "'");
        }
        ServedModel current = models.get(name);
        if (current != null && current.isReady()) {
            return current;
        }
        if (current != null && current.state() == ServedModel.State.DRAINING) {
            throw ApiException.unavailable("model '" + name + "' is still draining; load it again once it is unloaded");
        }
        ServingConfig config = servingConfig(name);
        Tier tier = config != null ? config.tier() : current != null ? current.tier() : null;
        update(ServedModel.loading(name, tier));
        try {
            ServedModel ready = loader.load(dir);
            update(ready);
            return ready;
        } catch (RuntimeException e) {
            LOG.error("model {} failed to load: {}", name, e.getMessage());
            ServedModel failed = ServedModel.failed(name, tier, e.getMessage());
            update(failed);
            return failed;
        }
    }

    /**
     * Unloads the model: new requests are refused (or routed elsewhere) at once, requests in flight
     * finish within {@code drain} (those still running then end with an error), then its memory is
     * freed. Returns the model as it is afterwards.
     */
    public ServedModel unload(String name, Duration drain) {
        ServedModel draining = startDraining(name);
        if (draining != null) {
            drain(draining, drain, draining.unloaded());
        }
        return get(name);
    }

    /** Unloads within the registry's grace period, as the Unload RPC does. */
    public ServedModel unload(String name) {
        return unload(name, unloadGrace);
    }

    /** The model's folder left the store: drain and unload it as {@link #unload} does, then forget it. */
    public void remove(String name, Duration drain) {
        ServedModel draining = startDraining(name);
        if (draining != null) {
            drain(draining, drain, null);
        } else {
            synchronized (this) {
                ServedModel m = models.get(name);
                if (m != null && m.replicas().isEmpty()) {
                    forget(m.unloaded());
                }
            }
        }
    }

    /** Marks a loaded model DRAINING; null when it has nothing loaded (or is draining already). */
    private synchronized ServedModel startDraining(String name) {
        ServedModel current = models.get(name);
        if (current == null) {
            throw ApiException.notFound("no model '" + name + "'");
        }
        if (current.state() != ServedModel.State.READY) {
            return null;
        }
        ServedModel draining = current.draining();
        update(draining);
        return draining;
    }

    /** Outside the lock, so other models load and unload while this one drains; {@code after} null forgets it. */
    private void drain(ServedModel draining, Duration drain, ServedModel after) {
        try {
            draining.close(drain);
        } finally {
            loader.release(draining.name());
            synchronized (this) {
                if (models.get(draining.name()) == draining) {
                    if (after != null) {
                        update(after);
                    } else {
                        forget(draining.unloaded());
                    }
                }
            }
        }
    }

    /** Reports the model UNLOADED to the listeners one last time, then drops it. */
    private void forget(ServedModel unloaded) {
        update(unloaded);
        models.remove(unloaded.name());
        refreshAliases();
    }

    /** The model a request names (by name or alias); the only model when {@code nameOrAlias} is empty. */
    public ServedModel resolve(String nameOrAlias) {
        if (nameOrAlias == null || nameOrAlias.isEmpty()) {
            if (models.size() == 1) {
                return models.values().iterator().next();
            }
            throw ApiException.invalid("model", "is required: this server has " + models.size() + " models "
                    + names());
        }
        ServedModel m = find(nameOrAlias);
        if (m == null) {
            throw ApiException.notFound("model '" + nameOrAlias + "' not found; this server has " + names());
        }
        return m;
    }

    /** The model of that name or alias, in whatever state; null when there is none. */
    public ServedModel find(String nameOrAlias) {
        ServedModel m = models.get(nameOrAlias);
        if (m == null) {
            String target = aliases.get(nameOrAlias);
            m = target == null ? null : models.get(target);
        }
        return m;
    }

    public ServedModel get(String name) {
        return models.get(name);
    }

    public List<ServedModel> list() {
        List<ServedModel> out = new ArrayList<>(models.values());
        out.sort(Comparator.comparing(ServedModel::name));
        return out;
    }

    /**
     * True while at least one model serves. Readiness follows this, not "every model loaded": a
     * model being added (or one that failed) must not take the others out of a balancer's rotation.
     */
    public boolean anyServing() {
        return models.values().stream().anyMatch(ServedModel::isReady);
    }

    private List<String> names() {
        return list().stream().map(ServedModel::name).toList();
    }

    private synchronized void update(ServedModel m) {
        models.put(m.name(), m);
        refreshAliases();
        listeners.forEach(l -> l.accept(m));
    }

    private void refreshAliases() {
        Map<String, String> next = new HashMap<>();
        for (ServedModel s : models.values()) {
            for (String alias : s.aliases()) {
                if (models.containsKey(alias)) {
                    LOG.warn("alias {} of model {} is also a model's name; the model wins", alias, s.name());
                } else if (next.putIfAbsent(alias, s.name()) != null) {
                    LOG.warn("alias {} is claimed by both {} and {}; requests go to {}", alias, next.get(alias),
                            s.name(), next.get(alias));
                }
            }
        }
        aliases = Map.copyOf(next);
    }

    /** The model's ferry.properties (defaults when it has none), or null when it cannot be read (loading then says why). */
    private ServingConfig servingConfig(String name) {
        Path file = store.resolve(name).resolve(ServingConfig.FILE);
        if (!Files.isRegularFile(file)) {
            return ServingConfig.defaults();
        }
        try {
            return ServingConfig.read(file);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * Stops every model's engine. All stop taking requests first, so each model's requests in flight
     * run on while another drains; all finish within {@code drain} of now.
     */
    public void close(Duration drain) {
        long deadline = System.nanoTime() + drain.toNanos();
        List<ServedModel> draining = new ArrayList<>();
        for (ServedModel m : list()) {
            ServedModel d = startDraining(m.name());
            if (d != null) {
                draining.add(d);
            }
        }
        for (ServedModel d : draining) {
            drain(d, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())), d.unloaded());
        }
    }

    @Override
    public void close() {
        close(Duration.ZERO);
    }
}
