package dev.ferry.server.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.api.Prompt;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.config.ServingConfig;
import dev.ferry.store.config.TokenizerConfig;
import dev.ferry.store.create.ChatStyle;
import dev.ferry.store.create.ModelArch;
import dev.ferry.store.create.ModelCreator;
import dev.ferry.store.create.ModelPreset;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The real chat templates of Qwen3, Gemma 3 and Phi-4-mini render through {@link ChatTemplate}
 * exactly as transformers renders them with Python's Jinja2: {@code chat-templates/expected.json}
 * holds Jinja2's output (made by {@code chat-templates/render.py}) for each template and each
 * conversation of {@code conversations.json}; a conversation the template rejects there is
 * rejected here too.
 */
class ChatTemplateExactTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNode SPEC = resource("conversations.json");
    private static final JsonNode EXPECTED = resource("expected.json");

    @TempDir
    static Path dir;
    static ModelFolder folder;

    @BeforeAll
    static void create() throws IOException {
        // a tokenizer for the thinking markers the Qwen3 template shows; the templates come from the fixtures
        new ModelCreator(new PrintStream(OutputStream.nullOutputStream()))
                .create(ModelPreset.fromName("tiny").spec(ModelArch.QWEN3), ChatStyle.REASONING, dir.resolve("m"));
        folder = ModelFolder.open(dir.resolve("m"));
    }

    @AfterAll
    static void close() {
        folder.close();
    }

    static Stream<String> cases() {
        List<String> names = new ArrayList<>();
        EXPECTED.fieldNames().forEachRemaining(names::add);
        return names.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rendersAsJinja2Does(String name) throws IOException {
        String[] parts = name.split("/", 2);
        JsonNode t = SPEC.get("templates").get(parts[0]);
        JsonNode c = SPEC.get("conversations").get(parts[1]);
        ChatTemplate template = ChatTemplate.of(new TokenizerConfig(text("chat-templates/" + t.get("file").asText()),
                t.get("bos_token").textValue(), t.get("eos_token").textValue()), ServingConfig.parse(new Properties()),
                folder.tokenizer());
        List<Prompt.ChatMessage> messages = new ArrayList<>();
        for (JsonNode m : c.get("messages")) {
            messages.add(message(m));
        }
        List<Prompt.Tool> tools = new ArrayList<>();
        if (c.path("tools").asBoolean()) {
            for (JsonNode f : SPEC.get("tools")) {
                JsonNode fn = f.get("function");
                tools.add(new Prompt.Tool(fn.get("name").asText(), fn.path("description").textValue(),
                        fn.get("parameters").toString()));
            }
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> variables = c.has("variables") ? JSON.convertValue(c.get("variables"), Map.class) : Map.of();
        boolean generationPrompt = c.get("add_generation_prompt").asBoolean();
        JsonNode want = EXPECTED.get(name);
        if (want.has("error")) {
            assertThrows(ApiException.class, () -> template.render(messages, generationPrompt, tools, variables),
                    want.get("error").asText());
        } else {
            assertEquals(want.get("text").asText(), template.render(messages, generationPrompt, tools, variables).text());
        }
    }

    private static Prompt.ChatMessage message(JsonNode m) {
        List<Prompt.ToolCall> calls = new ArrayList<>();
        for (JsonNode call : m.path("tool_calls")) {
            JsonNode fn = call.get("function");
            calls.add(new Prompt.ToolCall(call.get("id").asText(), fn.get("name").asText(), fn.get("arguments").toString()));
        }
        return new Prompt.ChatMessage(m.get("role").asText(), m.get("content").textValue(), calls,
                m.path("tool_call_id").textValue());
    }

    private static JsonNode resource(String name) {
        try {
            return JSON.readTree(text("chat-templates/" + name));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String text(String resource) throws IOException {
        try (InputStream in = ChatTemplateExactTest.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("no test resource " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
