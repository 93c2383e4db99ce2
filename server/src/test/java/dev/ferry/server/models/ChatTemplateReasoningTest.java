package dev.ferry.server.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ferry.engine.api.Thinking;
import dev.ferry.server.answer.ReasoningParser;
import dev.ferry.server.api.Prompt;
import dev.ferry.server.tools.ToolParserFamily;
import dev.ferry.store.ModelFolder;
import dev.ferry.store.ModelLoadException;
import dev.ferry.store.config.ServingConfig;
import dev.ferry.store.create.ChatStyle;
import dev.ferry.store.create.ModelArch;
import dev.ferry.store.create.ModelCreator;
import dev.ferry.store.create.ModelPreset;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A thinking template's parsers, detected or set in ferry.properties, and its thinking switch: the
 * rendered prompt leaves thinking open, or closes it when the request sets enable_thinking false.
 */
class ChatTemplateReasoningTest {
    @TempDir
    static Path dir;
    static ModelFolder folder;

    @BeforeAll
    static void create() throws Exception {
        new ModelCreator(new PrintStream(OutputStream.nullOutputStream()))
                .create(ModelPreset.fromName("tiny").spec(ModelArch.QWEN2), ChatStyle.REASONING, dir.resolve("m"));
        folder = ModelFolder.open(dir.resolve("m"));
    }

    @AfterAll
    static void close() {
        folder.close();
    }

    private static ChatTemplate template(String... pairs) {
        Properties p = new Properties();
        for (int i = 0; i < pairs.length; i += 2) {
            p.setProperty(pairs[i], pairs[i + 1]);
        }
        return ChatTemplate.of(folder.tokenizerConfig(), ServingConfig.parse(p), folder.tokenizer());
    }

    @Test
    void theTemplateShowsBothParsersAndFerryPropertiesOverridesThem() {
        ChatTemplate detected = template();
        assertEquals(ReasoningParser.THINK, detected.reasoningParser());
        assertEquals(ToolParserFamily.HERMES, detected.toolCallSyntax());
        ChatTemplate set = template("tool-parser", "mistral", "reasoning-parser", "none");
        assertEquals(ToolParserFamily.MISTRAL, set.toolCallSyntax());
        assertEquals(ReasoningParser.NONE, set.reasoningParser());
        assertNull(set.thinking(5), "a model that does not think has no thinking to bound");
    }

    @Test
    void anUnknownParserNameFailsTheLoadNamingFileAndKey() {
        ModelLoadException tool = assertThrows(ModelLoadException.class, () -> template("tool-parser", "qwen_xml"));
        assertTrue(tool.getMessage().startsWith("ferry.properties: key 'tool-parser': unknown tool-parser 'qwen_xml'"),
                tool.getMessage());
        ModelLoadException reasoning = assertThrows(ModelLoadException.class, () -> template("reasoning-parser", "r1"));
        assertTrue(reasoning.getMessage().contains("key 'reasoning-parser'") && reasoning.getMessage().contains("think"),
                reasoning.getMessage());
    }

    @Test
    void enableThinkingFalseClosesTheThinkingTheGenerationPromptOpens() {
        ChatTemplate t = template();
        Thinking thinking = t.thinking(Thinking.UNBOUNDED);
        List<Prompt.ChatMessage> messages = List.of(new Prompt.ChatMessage("user", "Hi"));
        String on = t.render(messages, true, List.of(), Map.of()).text();
        String off = t.render(messages, true, List.of(), Map.of("enable_thinking", false)).text();
        assertTrue(on.endsWith("<|im_start|>assistant\n<think>\n"), on);
        assertTrue(off.endsWith("<think>\n\n</think>\n\n"), off);
        assertTrue(thinking.startsInside(folder.tokenizer().encode(on, false)));
        assertFalse(thinking.startsInside(folder.tokenizer().encode(off, false)));
    }
}
