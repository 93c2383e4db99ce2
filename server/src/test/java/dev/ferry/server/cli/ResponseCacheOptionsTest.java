package dev.ferry.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.server.cache.ResponseCacheConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code ferry serve}'s response cache flags, parsed as picocli parses them. */
class ResponseCacheOptionsTest {

    static ResponseCacheConfig parse(String... args) {
        ServeCommand serve = new ServeCommand();
        new CommandLine(serve).parseArgs(args);
        return serve.responseCache.toConfig();
    }

    @Test
    void onByDefaultWithoutRedis() {
        assertEquals(ResponseCacheConfig.DEFAULTS, parse());
        assertTrue(parse("--response-cache").enabled());
        assertFalse(parse("--no-response-cache").enabled());
    }

    @Test
    void sizeTtlAndRedisAreTaken() {
        ResponseCacheConfig c = parse("--response-cache-size", "1GiB", "--response-cache-ttl", "90s",
                "--redis", "redis://cache.internal:6379");
        assertEquals(new ResponseCacheConfig(true, 1L << 30, Duration.ofSeconds(90), "redis://cache.internal:6379"), c);
    }

    @Test
    void badValuesNameTheirFlag() {
        String[][] bad = {
            {"--response-cache-size", "0.5"},
            {"--response-cache-size", "lots"},
            {"--response-cache-ttl", "0s"},
            {"--response-cache-ttl", "soon"},
            {"--redis", "cache.internal:6379"},
        };
        for (String[] args : bad) {
            var e = assertThrows(IllegalArgumentException.class, () -> parse(args), String.join(" ", args));
            assertTrue(e.getMessage().startsWith(args[0] + ": "), e.getMessage());
        }
    }
}
