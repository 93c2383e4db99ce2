package dev.ferry.server.models;

import dev.ferry.server.api.ApiException;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the registry in step with the model store: a folder that appears (or changes) is loaded
 * once it holds config.json, tokenizer.json and its weights and has stopped changing for a settle
 * period, since a folder is copied in over seconds and a half-written one would fail to load; a
 * model whose folder is gone is drained and forgotten. A folder that failed loads again when it
 * changes; an unchanged folder is never loaded twice, so a model unloaded on purpose stays so.
 * It polls instead of using a WatchService: inotify watches do not cover folders created later
 * without re-registering, and miss events on network file systems, while a listing every fraction
 * of a second costs nothing next to a model load.
 */
public final class StoreWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StoreWatcher.class);

    /** A folder's last seen signature (null while incomplete) and since when it has been unchanged. */
    private record Seen(String signature, long sinceNanos) {}

    private final ModelRegistry registry;
    private final Runnable reloadRoutes;
    private final Path routesFile;
    private final long settleNanos;
    private final Duration drain;
    private final Map<String, Seen> seen = new HashMap<>();
    /** The signature each folder had when it was last loaded (or found loaded at start). */
    private final Map<String, String> loadedAs = new HashMap<>();
    private final Set<String> removing = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService scanner;
    private final ExecutorService drains;
    private Seen routesSeen;
    private String routesLoadedAs;

    /**
     * @param routesFile the store's routes file, watched like the model folders
     * @param reloadRoutes called when the routes file settles after a change
     * @param drain how long a removed model's requests in flight may run
     */
    StoreWatcher(ModelRegistry registry, String routesFile, Runnable reloadRoutes, Duration settle, Duration drain) {
        this.registry = registry;
        this.routesFile = registry.store().resolve(routesFile);
        this.reloadRoutes = reloadRoutes;
        this.settleNanos = settle.toNanos();
        this.drain = drain;
        this.scanner = Executors.newSingleThreadScheduledExecutor(daemon("ferry-store-watcher"));
        this.drains = Executors.newCachedThreadPool(daemon("ferry-model-drain"));
        for (ServedModel m : registry.list()) {
            loadedAs.put(m.name(), signature(registry.store().resolve(m.name())));
        }
        routesLoadedAs = routesSignature();
    }

    /** Watches the registry's store, polling every {@code poll}, from the state registry.loadAll() left. */
    public static StoreWatcher start(ModelRegistry registry, String routesFile, Runnable reloadRoutes, Duration poll,
                                     Duration settle, Duration drain) {
        StoreWatcher w = new StoreWatcher(registry, routesFile, reloadRoutes, settle, drain);
        w.scanner.scheduleWithFixedDelay(w::scanSafely, poll.toMillis(), poll.toMillis(), TimeUnit.MILLISECONDS);
        return w;
    }

    private void scanSafely() {
        try {
            scan(System.nanoTime());
        } catch (RuntimeException | IOException e) { // the next poll tries again
            LOG.warn("model store scan failed: {}", e.toString());
        }
    }

    /** One pass over the store at {@code now}. */
    void scan(long now) throws IOException {
        // model folders as the registry counts them (a config.json), each with its signature or null while incomplete
        Map<String, String> folders = new TreeMap<>();
        for (String name : registry.folderNames()) {
            folders.put(name, signature(registry.store().resolve(name)));
        }
        folders.forEach((name, signature) -> {
            Seen s = seen.compute(name, (n, before) -> observe(before, signature, now));
            if (signature != null && settled(s, now) && !signature.equals(loadedAs.get(name))) {
                load(name, signature);
            }
        });
        seen.keySet().retainAll(folders.keySet());
        for (ServedModel m : registry.list()) {
            if (!folders.containsKey(m.name()) && removing.add(m.name())) {
                remove(m.name());
            }
        }
        String routesNow = routesSignature();
        routesSeen = observe(routesSeen, routesNow, now);
        if (settled(routesSeen, now) && !routesNow.equals(routesLoadedAs)) {
            routesLoadedAs = routesNow;
            reloadRoutes.run();
        }
    }

    private void load(String name, String signature) {
        ServedModel current = registry.get(name);
        if (current != null && current.isReady()) {
            // changed in place while serving: keep serving what was loaded (see README); a Load after an Unload picks it up
            loadedAs.put(name, signature);
            return;
        }
        LOG.info("model folder {} appeared or changed; loading it", name);
        try {
            registry.load(name);
            loadedAs.put(name, signature);
        } catch (ApiException e) { // draining still, or gone again: the next scan decides anew
            LOG.info("model {} not loaded yet: {}", name, e.getMessage());
        }
    }

    private void remove(String name) {
        LOG.info("model folder {} is gone; draining and unloading the model", name);
        loadedAs.remove(name);
        drains.execute(() -> {
            try {
                registry.remove(name, drain);
            } catch (ApiException e) {
                LOG.debug("model {} was already gone: {}", name, e.getMessage());
            } finally {
                removing.remove(name);
            }
        });
    }

    /** What was seen before if {@code signature} is the same, else a fresh sighting from {@code now}. */
    private static Seen observe(Seen before, String signature, long now) {
        return before != null && Objects.equals(before.signature(), signature) ? before : new Seen(signature, now);
    }

    /** Whether what was seen has stood unchanged for the settle period. */
    private boolean settled(Seen s, long now) {
        return now - s.sinceNanos() >= settleNanos;
    }

    /**
     * Every file's path, size and modification time: any write changes it. Null while the folder
     * lacks what a model needs (config.json, tokenizer.json, model.safetensors or its index).
     */
    private static String signature(Path dir) {
        boolean complete = Files.isRegularFile(dir.resolve("config.json"))
                && Files.isRegularFile(dir.resolve("tokenizer.json"))
                && (Files.isRegularFile(dir.resolve("model.safetensors"))
                || Files.isRegularFile(dir.resolve("model.safetensors.index.json")));
        if (!complete) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> files = Files.walk(dir, 2)) {
            files.sorted().forEach(f -> {
                try {
                    BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                    sb.append(dir.relativize(f)).append(' ').append(a.size()).append(' ')
                            .append(a.lastModifiedTime().toMillis()).append('\n');
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            return null; // a file vanished mid-listing: still changing
        }
        return sb.toString();
    }

    private String routesSignature() {
        try {
            BasicFileAttributes a = Files.readAttributes(routesFile, BasicFileAttributes.class);
            return a.size() + " " + a.lastModifiedTime().toMillis();
        } catch (IOException e) {
            return "absent"; // a removed routes file is a change too: no routes from then on
        }
    }

    @Override
    public void close() {
        scanner.shutdownNow();
        drains.shutdown();
    }

    private static DefaultThreadFactory daemon(String name) {
        return new DefaultThreadFactory(name, true);
    }
}
