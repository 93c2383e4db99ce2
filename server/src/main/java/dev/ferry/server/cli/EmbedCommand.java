package dev.ferry.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.EmbeddingInput;
import dev.ferry.server.api.EmbeddingRequest;
import dev.ferry.server.embed.Embedder;
import dev.ferry.server.embed.EmbeddingPipeline;
import dev.ferry.server.embed.EmbeddingResult;
import dev.ferry.store.ModelFolder;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ferry embed}: embeddings of a few texts, or of a JSON Lines file of inputs, from an
 * embedding model loaded in-process (a folder, or a model of the store), printed as JSON Lines.
 * Inputs are checked, batched and cut to {@code --dimensions} exactly as the server does.
 */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = "Embed texts (--input, repeatable) or a JSON Lines file of inputs with an embedding model; "
                + "prints one JSON line per input ({\"index\", \"embedding\"}); logs go to stderr.")
final class EmbedCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "an embedding model's folder, or the name of a model "
            + "folder in the model store")
    String model;

    @Option(names = "--model-store", description = "where --model names a folder (default: as ferry serve's)")
    Path modelStore;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Inputs inputs;

    static final class Inputs {
        @Option(names = "--input", description = "text to embed (repeatable)")
        List<String> texts;

        @Option(names = "--inputs-file", description = "JSON Lines: each line a string, a list of token ids, or an "
                + "object whose \"input\" is one of those")
        Path file;
    }

    @Option(names = "--dimensions", description = "the vector size, for a model with matryoshka-dimensions")
    Integer dimensions;

    @Option(names = "--truncate", description = "cut inputs longer than the model takes instead of failing")
    boolean truncate;

    @Mixin
    EngineOptions engine;

    @Override
    public Integer call() throws IOException {
        List<EmbeddingInput> list = inputs.file != null ? readFile(inputs.file)
                : inputs.texts.stream().<EmbeddingInput>map(EmbeddingInput.Text::new).toList();
        PrintWriter out = spec.commandLine().getOut();
        try (ModelFolder folder = ModelFolder.open(folder())) {
            Embedder embedder = Embedder.start(folder, engine.toLoadOptions());
            try {
                EmbeddingPipeline pipeline = new EmbeddingPipeline(null);
                // the server's per-request limit, one request after the other, so that any file size works
                for (int from = 0; from < list.size(); from += EmbeddingPipeline.MAX_INPUTS) {
                    List<EmbeddingInput> part = list.subList(from, Math.min(list.size(), from + EmbeddingPipeline.MAX_INPUTS));
                    print(out, from, embed(pipeline, folder.name(), embedder, part));
                }
            } finally {
                embedder.close(Duration.ZERO);
            }
        }
        out.flush();
        return 0;
    }

    private EmbeddingResult embed(EmbeddingPipeline pipeline, String name, Embedder embedder, List<EmbeddingInput> part) {
        try {
            return pipeline.embed(name, embedder, new EmbeddingRequest(name, part, dimensions, truncate)).join();
        } catch (ApiException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /** A folder path as given, else a folder of the store. */
    private Path folder() {
        Path given = Path.of(model);
        if (Files.isRegularFile(given.resolve("config.json"))) {
            return given;
        }
        Path store = modelStore != null ? modelStore : FerryHome.modelStore();
        Path inStore = store.resolve(model);
        if (!model.contains("/") && Files.isRegularFile(inStore.resolve("config.json"))) {
            return inStore;
        }
        throw new IllegalArgumentException("--model: '" + model + "' is neither a model folder nor a model of the "
                + "store " + store);
    }

    /** One line per input: the index counts across the whole file. */
    private static void print(PrintWriter out, int from, EmbeddingResult result) {
        List<float[]> vectors = result.vectors();
        for (int i = 0; i < vectors.size(); i++) {
            ObjectNode o = JSON.createObjectNode();
            o.put("index", from + i);
            ArrayNode e = o.putArray("embedding");
            for (float x : vectors.get(i)) {
                e.add(x);
            }
            out.println(o);
        }
        out.flush();
    }

    static List<EmbeddingInput> readFile(Path file) throws IOException {
        List<EmbeddingInput> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(file);
        for (int n = 0; n < lines.size(); n++) {
            if (lines.get(n).isBlank()) {
                continue;
            }
            String where = file.getFileName() + " line " + (n + 1);
            JsonNode line;
            try {
                line = JSON.readTree(lines.get(n));
            } catch (IOException e) {
                throw new IllegalArgumentException(where + ": not JSON: " + e.getMessage());
            }
            out.add(input(line.isObject() ? line.get("input") : line, where));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("--inputs-file: " + file + " holds no input");
        }
        return out;
    }

    private static EmbeddingInput input(JsonNode n, String where) {
        if (n != null && n.isTextual()) {
            return new EmbeddingInput.Text(n.textValue());
        }
        if (n != null && n.isArray()) {
            int[] ids = new int[n.size()];
            for (int i = 0; i < ids.length; i++) {
                if (!n.get(i).canConvertToInt() || !n.get(i).isIntegralNumber()) {
                    throw new IllegalArgumentException(where + ": token ids must be integers, got " + n.get(i));
                }
                ids[i] = n.get(i).intValue();
            }
            return new EmbeddingInput.Ids(ids);
        }
        throw new IllegalArgumentException(where + ": expected a string, a list of token ids, or {\"input\": ...}");
    }
}
