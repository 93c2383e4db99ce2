package dev.ferry.server.cli;

import dev.ferry.store.create.ModelArch;
import dev.ferry.store.create.ModelCreator;
import dev.ferry.store.create.ModelPreset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ferry serve}: the server process. With no model store given it uses an embedded default
 * store holding a demo model, created on first run, so a fresh checkout has something to serve.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Start the gRPC and HTTP server.")
final class ServeCommand implements Callable<Integer> {
    static final String DEMO_MODEL = "demo";

    @Option(names = "--model-store", description = "folder of model folders (default: $FERRY_HOME/models, "
            + "FERRY_HOME defaulting to ~/.ferry; the system property ferry.home overrides it)")
    Path modelStore;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path store = modelStore != null ? modelStore : defaultStore();
        if (modelStore == null) {
            ensureDemoModel(store);
        }
        spec.commandLine().getErr().println("ferry serve: the gRPC/HTTP server is not yet available. The model store "
                + store + " is ready; try: ./ferry generate --model " + store.resolve(DEMO_MODEL) + " --prompt Hello");
        return 3;
    }

    static Path defaultStore() {
        String home = System.getProperty("ferry.home", System.getenv("FERRY_HOME"));
        return (home != null ? Path.of(home) : Path.of(System.getProperty("user.home"), ".ferry")).resolve("models");
    }

    /** Creates the demo model (tiny Llama, fixed seed) unless a folder of that name exists. */
    static void ensureDemoModel(Path store) throws java.io.IOException {
        Path demo = store.resolve(DEMO_MODEL);
        if (Files.isRegularFile(demo.resolve("config.json"))) {
            return;
        }
        new ModelCreator(System.err).create(ModelPreset.fromName("tiny").spec(ModelArch.fromName("llama")), demo);
    }
}
