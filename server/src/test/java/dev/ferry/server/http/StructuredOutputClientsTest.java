package dev.ferry.server.http;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.ferry.engine.api.EngineConfig;
import dev.ferry.server.ServingFixture;
import dev.ferry.server.http.StructuredClients.Person;
import dev.ferry.server.serving.ApiKeys;
import dev.ferry.server.serving.ServingLimits;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The structured-output calls of LangChain4j and openai-java, unchanged, against the server (Spring
 * AI's is in the clients module):
 * each sends {@code response_format} json_schema and parses the reply into a record. The model's
 * weights are random, so only the shape is checked: the grammar keeps the JSON valid for the schema,
 * and the client's own parse is the check.
 */
class StructuredOutputClientsTest {
    @RegisterExtension
    static final LiveServer live = new LiveServer(new ApiKeys(List.of(StructuredClients.KEY), List.of()),
            ServingLimits.DEFAULTS, EngineConfig.DEFAULTS, 4096);

    private static String baseUrl() {
        return "http://127.0.0.1:" + live.server.port();
    }

    /**
     * LangChain4j's schema types every field as {@code [type, "null"]}, so null fields are a valid
     * reply; the record itself must come back, which random weights give only under the schema.
     */
    @Test
    void langChain4jAiServiceReturnsARecord() {
        assertNotNull(StructuredClients.langChain4j(baseUrl(), ServingFixture.MODEL));
    }

    @Test
    void openAiJavaResponseFormatClassParsesTheMessage() {
        assertPerson(StructuredClients.openAiJava(baseUrl(), ServingFixture.MODEL));
    }

    /** The schema makes every field required and not nullable, so a parsed reply has each one. */
    private static void assertPerson(Person p) {
        assertNotNull(p);
        assertNotNull(p.name());
        assertNotNull(p.tags());
    }
}
