package dev.ferry.clients;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The module's one {@code ferry serve}: the packaged server run as its own process, as a user runs
 * it, so none of its classes or dependencies share this JVM with the clients. It listens on free
 * loopback ports over a fresh {@code FERRY_HOME}, whose store holds the {@link #MODELS}.
 * Started on first use and stopped when the test JVM exits; its output stays in
 * {@code target/ferry-serve.log}.
 */
final class FerryServe {
    static final String MODEL = "demo";
    /**
     * A thinking model: the demo's weights under a Qwen3-like template whose generation prompt opens
     * {@code <think>}; they never close the thinking themselves, so a thinking budget is what does.
     */
    static final String REASONING_MODEL = "demo-reasoning";
    /** A tiny BERT embedding model beside the demo model, for the embedding clients. */
    static final String EMBEDDING_MODEL = "bert";
    static final String API_KEY = "sk-ferry-test";

    /**
     * The store's models, each the {@code ferry model create} arguments but {@code --out}. A store
     * that holds a model gets no demo from {@code ferry serve}, so the demo is here too, made as
     * serve makes it.
     */
    private static final Map<String, List<String>> MODELS = Map.of(
            MODEL, List.of("--arch", "llama", "--preset", "tiny"),
            REASONING_MODEL, List.of("--arch", "llama", "--preset", "tiny", "--chat-template", "reasoning"),
            EMBEDDING_MODEL, List.of("--arch", "bert", "--preset", "tiny"));

    private static final Path JAR = Path.of("..", "server", "target", "ferry-server.jar");
    private static final Path LOG = Path.of("target", "ferry-serve.log");
    private static final Pattern LISTENING = Pattern.compile("gRPC port (\\d+), HTTP port (\\d+)");
    private static final Pattern READY = Pattern.compile("^ferry: ready");
    private static FerryServe shared;

    private final Process process;
    private final int httpPort;

    private FerryServe(Process process, int httpPort) {
        this.process = process;
        this.httpPort = httpPort;
    }

    /** The running server, started by the first caller. */
    static synchronized FerryServe shared() {
        if (shared == null) {
            try {
                shared = start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(shared::stop, "ferry-serve-stop"));
        }
        return shared;
    }

    /**
     * A context of 4096 rather than the demo model's 256: tool schemas rendered into the prompt are
     * long, and a random-weight model's JSON string ends only when a closing quote is drawn.
     */
    private static FerryServe start() throws IOException, InterruptedException {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR.toAbsolutePath().normalize() + " is missing: these tests run the packaged "
                    + "server, so run them through the reactor's verify phase (mvn verify -pl clients -am)");
        }
        Path home = Files.createTempDirectory("ferry-clients-home");
        Files.createDirectories(LOG.getParent());
        createModels(home.resolve("model-store"));
        ProcessBuilder pb = new ProcessBuilder(ferry("serve", "--host", "127.0.0.1", "--http-port", "0", "--grpc-port", "0",
                "--max-model-len", "4096", "--api-key", API_KEY, "--request-log"))
                .redirectErrorStream(true).redirectOutput(LOG.toFile());
        pb.environment().put("FERRY_HOME", home.toString());
        pb.environment().put("MALLOC_ARENA_MAX", "1"); // as ./ferry runs it
        Process p = pb.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        Matcher ports = awaitLine(p, LISTENING, deadline);
        awaitLine(p, READY, deadline);
        return new FerryServe(p, Integer.parseInt(ports.group(2)));
    }

    /** Runs {@code ferry model create} for each of {@link #MODELS}, all at once; each logs to target/. */
    private static void createModels(Path store) throws IOException, InterruptedException {
        Map<String, Process> running = new HashMap<>();
        for (Map.Entry<String, List<String>> m : MODELS.entrySet()) {
            List<String> args = new ArrayList<>(List.of("model", "create", "--out", store.resolve(m.getKey()).toString()));
            args.addAll(m.getValue());
            running.put(m.getKey(), new ProcessBuilder(ferry(args.toArray(String[]::new))).redirectErrorStream(true)
                    .redirectOutput(modelLog(m.getKey()).toFile()).start());
        }
        for (Map.Entry<String, Process> p : running.entrySet()) {
            if (p.getValue().waitFor() != 0) {
                throw new IllegalStateException("ferry model create for " + p.getKey() + " failed; its output ("
                        + modelLog(p.getKey()).toAbsolutePath() + "):\n" + Files.readString(modelLog(p.getKey())));
            }
        }
    }

    private static Path modelLog(String model) {
        return LOG.resolveSibling("ferry-model-create-" + model + ".log");
    }

    /** The packaged server's command line, as ./ferry runs it. */
    private static List<String> ferry(String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "--add-modules", "jdk.incubator.vector", "-jar", JAR.toString()));
        command.addAll(List.of(args));
        return command;
    }

    private static Matcher awaitLine(Process p, Pattern pattern, long deadline) throws IOException, InterruptedException {
        while (true) {
            List<String> lines = Files.readString(LOG, StandardCharsets.UTF_8).lines().toList();
            for (String line : lines) {
                Matcher m = pattern.matcher(line);
                if (m.find()) {
                    return m;
                }
            }
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IllegalStateException("ferry serve " + (p.isAlive() ? "did not show" : "exited before")
                        + " a line matching /" + pattern + "/; its output (" + LOG.toAbsolutePath() + "):\n"
                        + String.join("\n", lines));
            }
            Thread.sleep(50);
        }
    }

    /** {@code http://127.0.0.1:PORT}, the root that {@code /v1}, {@code /health} and the rest hang off. */
    String url() {
        return "http://127.0.0.1:" + httpPort;
    }

    /** The OpenAI base URL that the client libraries take. */
    String v1() {
        return url() + "/v1";
    }

    /** SIGTERM, the graceful stop; SIGKILL if it has not drained in time. */
    private void stop() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
        }
    }
}
