package dev.ferry.server.cli;

import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ferry serve --warm-file}: once the models are loaded, sends the file's requests to the
 * server's own HTTP port on a background thread, as {@code ferry cache warm} would, so readiness
 * never waits for it and live traffic shares the server with a bounded rate of warming.
 */
final class StartupWarming {
    private static final Logger LOG = LoggerFactory.getLogger(StartupWarming.class);

    private StartupWarming() {
    }

    /**
     * @param host the address the server listens on (a wildcard is reached on loopback)
     * @param apiKey a key the server accepts; null when it is open
     */
    static Thread start(Path file, String host, int httpPort, String apiKey, double rate) {
        String loopback = host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
        String address = "http://" + (loopback.contains(":") ? "[" + loopback + "]" : loopback) + ":" + httpPort;
        Thread t = new Thread(() -> warm(file, new CacheWarmer(address, apiKey), rate), "ferry-warm");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void warm(Path file, CacheWarmer warmer, double rate) {
        try {
            List<String> bodies = WarmRequests.read(file, warmer.onlyModel());
            LOG.info("warming the caches with {} requests from {} at up to {} a second", bodies.size(), file, rate);
            CacheWarmer.Summary s = warmer.warm(bodies, rate, 2, soFar -> { });
            LOG.info("cache warming done: {}", WarmProgress.summary(s));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.error("--warm-file {}: {}; the server serves on without warming", file, e.getMessage());
        }
    }
}
