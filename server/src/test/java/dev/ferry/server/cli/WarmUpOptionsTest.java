package dev.ferry.server.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.store.config.ServingConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * --[no-]warmup governs both warm-ups, the Java kernels' at load and the engine's steps: serve warms
 * up by default, generate (a one-shot run, whose first request warms the model anyway) does not.
 */
class WarmUpOptionsTest {

    private static GenerateCommand generate(String... flags) {
        GenerateCommand g = new GenerateCommand();
        new CommandLine(g).parseArgs(concat(new String[] {"--model", "m", "--prompt", "x"}, flags));
        return g;
    }

    private static ServeCommand serve(String... flags) {
        ServeCommand s = new ServeCommand();
        new CommandLine(s).parseArgs(flags);
        return s;
    }

    @Test
    void generateWarmsNothingUpUnlessAsked() {
        assertFalse(generate().engine.toLoadOptions().warmUpKernels());
        assertFalse(generate().engine.toEngineConfig(ServingConfig.defaults(), false).warmUp());
        assertTrue(generate("--warmup").engine.toLoadOptions().warmUpKernels());
        assertTrue(generate("--warmup").engine.toEngineConfig(ServingConfig.defaults(), false).warmUp());
    }

    @Test
    void serveWarmsBothUpUnlessTold() {
        assertTrue(serve().engine.poolLoadOptions(true).warmUpKernels());
        assertFalse(serve("--no-warmup").engine.poolLoadOptions(true).warmUpKernels());
        assertFalse(serve("--no-warmup").engine.toEngineConfig(ServingConfig.defaults(), true).warmUp());
    }

    @Test
    void serveSendsItselfWarmUpRequestsUnlessTold() {
        assertTrue(serve().warmUpRequests);
        assertFalse(serve("--no-warmup-requests").warmUpRequests);
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
