package dev.ferry.server.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.server.routing.RouteConfig.Policy;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RoutesTest {
    private static Routes parse(String text) throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(text));
        return Routes.parse(p);
    }

    @Test
    void everySettingIsRead() throws IOException {
        Routes routes = parse("""
                route.auto.candidates = small-model, large-model
                route.auto.policy = complexity
                route.auto.complexity.prompt-tokens = 300
                route.auto.complexity.max-tokens = 100
                route.auto.allow-fallback = false
                route.auto.bias = -0.25
                route.auto.target-agreement = 0.95
                route.auto.min-shadows = 50
                route.auto.small-cost = 0.2
                route.cheap.candidates = small-model
                """);
        RouteConfig auto = routes.get("auto");
        assertEquals(List.of("small-model", "large-model"), auto.candidates());
        assertEquals(Policy.COMPLEXITY, auto.policy());
        assertEquals(300, auto.promptTokens());
        assertEquals(100, auto.maxTokens());
        assertFalse(auto.allowFallback());
        assertEquals(1.25, auto.cut());
        assertEquals(new RouteConfig.Learning(0.95, 50, 0.2), auto.learning());
        RouteConfig cheap = routes.get("cheap");
        assertEquals(Policy.FALLBACK, cheap.policy());
        assertTrue(cheap.allowFallback());
        assertEquals(RouteConfig.DEFAULT_PROMPT_TOKENS, cheap.promptTokens());
        assertEquals(1.0, cheap.cut());
        assertEquals(RouteConfig.Learning.DEFAULTS, cheap.learning());
    }

    @Test
    void shadowSettingsAreReadAndDefaultToNoShadows() throws IOException {
        Routes routes = parse("""
                route.auto.candidates = small, large
                route.auto.policy = complexity
                route.auto.shadow-rate = 0.2
                route.auto.shadow-tokens = 16
                route.auto.shadow-queue = 4
                route.plain.candidates = small, large
                route.plain.policy = complexity
                """);
        assertEquals(new RouteConfig.Shadow(0.2, 16, 4), routes.get("auto").shadow());
        assertEquals(RouteConfig.Shadow.OFF, routes.get("plain").shadow());
        assertEquals(0, routes.get("plain").shadow().rate());
    }

    @Test
    void noFileMeansNoRoutes(@TempDir Path dir) {
        assertSame(Routes.NONE, Routes.read(dir.resolve(Routes.FILE)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "route.auto.candidate=a                                 | route.auto.candidate         | unknown key",
            "routes.auto.candidates=a                               | routes.auto.candidates       | unknown key",
            "route.auto.policy=complexity                           | route.auto.candidates        | required",
            "route.auto.candidates=a,b,a                            | route.auto.candidates        | twice",
            "route.auto.candidates= ,                               | route.auto.candidates        | no model",
            "route.auto.candidates=a\\nroute.auto.policy=cheapest    | route.auto.policy            | cheapest",
            "route.auto.candidates=a\\nroute.auto.policy=complexity\\nroute.auto.bias=2 | route.auto.bias | [-1, 1]",
            "route.auto.candidates=a\\nroute.auto.allow-fallback=yes | route.auto.allow-fallback    | yes",
            "route.a.candidates=a\\nroute.a.policy=complexity\\nroute.a.complexity.max-tokens=0 "
                    + "| route.a.complexity.max-tokens | positive",
            "route.auto.candidates=a\\nroute.auto.complexity.prompt-tokens=9 | route.auto.complexity.prompt-tokens "
                    + "| only applies to policy complexity",
            "route.a.candidates=a\\nroute.a.policy=complexity\\nroute.a.target-agreement=1.5 | route.a.target-agreement "
                    + "| (0, 1]",
            "route.a.candidates=a\\nroute.a.policy=complexity\\nroute.a.target-agreement=high | route.a.target-agreement "
                    + "| high",
            "route.a.candidates=a\\nroute.a.policy=complexity\\nroute.a.small-cost=0 | route.a.small-cost | (0, 1]",
            "route.a.candidates=a\\nroute.a.policy=complexity\\nroute.a.min-shadows=-3 | route.a.min-shadows | positive",
            "route.a.candidates=a\\nroute.a.policy=complexity\\nroute.a.min-shadows=5000 | route.a.min-shadows | at most",
            "route.a.candidates=a\\nroute.a.min-shadows=10 | route.a.min-shadows | only applies to policy complexity",
            "route.a.candidates=a\\nroute.a.policy=complexity\\nroute.a.shadow-rate=1.5 | route.a.shadow-rate | [0, 1]",
            "route.a.candidates=a\\nroute.a.policy=complexity\\nroute.a.shadow-rate=x | route.a.shadow-rate | 'x'",
            "route.a.candidates=a\\nroute.a.policy=complexity\\nroute.a.shadow-tokens=0 | route.a.shadow-tokens | positive",
            "route.a.candidates=a\\nroute.a.policy=complexity\\nroute.a.shadow-queue=-1 | route.a.shadow-queue | positive",
            "route.a.candidates=a\\nroute.a.shadow-rate=0.1 | route.a.shadow-rate | only applies to policy complexity"})
    void aBadSettingIsRefusedNamingItsKey(String text, String key, String problem) {
        var e = assertThrows(IllegalArgumentException.class, () -> parse(text.replace("\\n", "\n")));
        assertTrue(e.getMessage().startsWith("routes.properties: key '" + key + "'"), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
    }
}
