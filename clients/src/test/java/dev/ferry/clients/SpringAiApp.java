package dev.ferry.clients;

import java.util.function.Supplier;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * The whole Spring Boot application of the Spring AI tests: nothing but auto-configuration, which
 * builds the OpenAI chat and embedding models and the {@code ChatClient.Builder} from {@code spring.ai.openai.*}
 * properties, as in a user's application.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
class SpringAiApp {
    private SpringAiApp() {
    }

    /**
     * What a user sets to reach Ferry: the base URL (with {@code /v1}, since Spring AI 2 hands it to
     * openai-java as is), the key and the models; and no retries, which would hide a refusal.
     */
    static void pointAt(DynamicPropertyRegistry properties, Supplier<Object> baseUrl) {
        properties.add("spring.ai.openai.base-url", baseUrl);
        properties.add("spring.ai.openai.api-key", () -> FerryServe.API_KEY);
        properties.add("spring.ai.openai.chat.model", () -> FerryServe.MODEL);
        properties.add("spring.ai.openai.embedding.model", () -> FerryServe.EMBEDDING_MODEL);
        properties.add("spring.ai.openai.max-retries", () -> 0);
    }
}
