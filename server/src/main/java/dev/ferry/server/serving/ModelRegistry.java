package dev.ferry.server.serving;

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
 * folder) and their states. Reads are lock-free; loading and unloading are serialised. A folder
 * that fails to load is marked FAILED with the reason and the others keep serving.
 */
public final class ModelRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    private final Path store;
    private final ModelLoader loader;
    private final Map<String, ServedModel> models = new ConcurrentHashMap<>();
    private volatile Map<String, String> aliases = Map.of();
    private final List<Consumer<ServedModel>> listeners = new CopyOnWriteArrayList<>();

    public ModelRegistry(Path store, ModelLoader loader) {
        this.store = store;
        this.loader = loader;
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

    /** Marks every folder LOADING, then loads them one after the other. */
    public void loadAll() throws IOException {
        List<String> names = folderNames();
        names.forEach(n -> update(ServedModel.loading(n)));
        for (String n : names) {
            load(n);
        }
    }

    /** Loads (or reloads) the model folder {@code name}; a failure is recorded, not thrown, unless the name is bad. */
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
        update(ServedModel.loading(name));
        try {
            ServedModel.Instance instance = loader.load(dir);
            ServedModel ready = ServedModel.ready(name, instance);
            update(ready);
            return ready;
        } catch (RuntimeException e) {
            LOG.error("model {} failed to load: {}", name, e.getMessage());
            ServedModel failed = ServedModel.failed(name, e.getMessage());
            update(failed);
            return failed;
        }
    }

    /** Stops the model; requests still running after {@code drain} end with an error. */
    public synchronized ServedModel unload(String name, Duration drain) {
        ServedModel current = models.get(name);
        if (current == null) {
            throw ApiException.notFound("no model '" + name + "'");
        }
        if (current.instance() != null) {
            update(ServedModel.unloaded(name));
            current.instance().close(drain);
        }
        return models.get(name);
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
        ServedModel m = models.get(nameOrAlias);
        if (m == null) {
            String target = aliases.get(nameOrAlias);
            m = target == null ? null : models.get(target);
        }
        if (m == null) {
            throw ApiException.notFound("model '" + nameOrAlias + "' not found; this server has " + names());
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

    /** True when at least one model is loaded and none is still loading. */
    public boolean isReady() {
        return models.values().stream().anyMatch(ServedModel::isReady)
                && models.values().stream().noneMatch(m -> m.state() == ServedModel.State.LOADING);
    }

    private List<String> names() {
        return list().stream().map(ServedModel::name).toList();
    }

    private synchronized void update(ServedModel m) {
        models.put(m.name(), m);
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
        listeners.forEach(l -> l.accept(m));
    }

    /** Stops every model's engine, letting requests in flight finish within {@code drain}. */
    public synchronized void close(Duration drain) {
        for (ServedModel m : list()) {
            if (m.instance() != null) {
                update(ServedModel.unloaded(m.name()));
                m.instance().close(drain);
            }
        }
    }

    @Override
    public void close() {
        close(Duration.ZERO);
    }
}
