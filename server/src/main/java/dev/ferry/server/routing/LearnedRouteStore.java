package dev.ferry.server.routing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The learned scorers' fits on disk, one JSON file per route ({@code <folder>/<route>.json}), so a
 * restarted server routes as it did without waiting for new shadows. A file that cannot be read, or was
 * written for another feature layout, is skipped with a warning: that route starts on the heuristic.
 */
final class LearnedRouteStore {
    private static final Logger LOG = LoggerFactory.getLogger(LearnedRouteStore.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private final Path folder;

    LearnedRouteStore(Path folder) {
        this.folder = folder;
    }

    /** The fits found in the folder, by route; none when it does not exist. */
    Map<String, FittedRoute> readAll() {
        Map<String, FittedRoute> fits = new HashMap<>();
        if (!Files.isDirectory(folder)) {
            return fits;
        }
        try (Stream<Path> files = Files.list(folder)) {
            files.filter(f -> f.getFileName().toString().endsWith(".json")).forEach(f -> {
                try {
                    FittedRoute fit = JSON.readValue(f.toFile(), FittedRoute.class);
                    if (fit.featuresVersion() != PromptFeatures.VERSION) {
                        LOG.warn("{}: fitted for features version {}, this server reads {}; the route starts on the"
                                + " heuristic", f, fit.featuresVersion(), PromptFeatures.VERSION);
                    } else {
                        fits.put(fit.route(), fit);
                    }
                } catch (IOException | RuntimeException e) {
                    LOG.warn("{}: cannot read a learned route ({}); the route starts on the heuristic", f,
                            e.getMessage());
                }
            });
        } catch (IOException e) {
            LOG.warn("{}: cannot list learned routes ({}); routes start on the heuristic", folder, e.getMessage());
        }
        return fits;
    }

    /** Replaces the route's file whole (written aside, then moved), so a reader never sees half of one. */
    void write(FittedRoute fit) throws IOException {
        Files.createDirectories(folder);
        Path file = folder.resolve(fit.route() + ".json");
        Path temp = Files.createTempFile(folder, fit.route(), ".tmp");
        try {
            JSON.writeValue(temp.toFile(), fit);
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
