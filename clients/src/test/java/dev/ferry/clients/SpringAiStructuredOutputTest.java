package dev.ferry.clients;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Spring AI 2's structured output as its documentation shows it: {@code entity(Person.class)} with
 * the provider's structured output, which sends the record's JSON schema as {@code response_format}
 * json_schema (strict) and parses the reply into the record. Sampled at temperature 1 with a seed,
 * so a run repeats and a string of the random-weight model ends when a closing quote is drawn; the
 * grammar keeps the JSON valid for the schema, and Spring AI's own parse is the check.
 */
@SpringBootTest(classes = SpringAiApp.class)
class SpringAiStructuredOutputTest {
    @DynamicPropertySource
    static void ferry(DynamicPropertyRegistry properties) {
        SpringAiApp.pointAt(properties, () -> FerryServe.shared().v1());
    }

    @Autowired
    ChatClient.Builder chatClient;

    /** A few fields of different JSON types: string, integer, boolean, array of strings. */
    record Person(String name, int age, boolean active, List<String> tags) {
    }

    @Test
    void chatClientEntityWithProviderStructuredOutput() {
        Person p = chatClient.build().prompt().user("Describe a person as JSON.")
                .options(OpenAiChatOptions.builder().temperature(1.0).seed(7))
                .call().entity(Person.class, entity -> entity.useProviderStructuredOutput());

        // the schema makes every field required and not nullable, so a parsed reply has each one
        assertNotNull(p);
        assertNotNull(p.name());
        assertNotNull(p.tags());
    }
}
