package dev.ferry.server.http;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.StructuredChatCompletion;
import com.openai.models.chat.completions.StructuredChatCompletionCreateParams;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.service.AiServices;
import java.time.Duration;
import java.util.List;

/**
 * LangChain4j's and openai-java's own structured-output calls, as their documentation shows them,
 * given the server's root URL ({@code http://host:port}; each appends {@code /v1}): each asks for a
 * {@link Person} and so sends {@code response_format} of type {@code json_schema}. Spring AI's,
 * which needs Spring Boot 4, is in the clients module. Sampled at
 * temperature 1 with a seed, so a run repeats and a string of the random-weight model ends when a
 * closing quote is drawn (greedy could repeat one token inside a string for ever); no max tokens,
 * so the server lets the output run to the model's context.
 */
final class StructuredClients {
    static final String KEY = "sk-ferry-test";
    static final String PROMPT = "Describe a person as JSON.";
    static final int SEED = 7;

    /** A few fields of different JSON types: string, integer, boolean, array of strings. */
    record Person(String name, int age, boolean active, List<String> tags) {
    }

    /** What LangChain4j's AI services build from an interface: the return type becomes the schema. */
    interface PersonExtractor {
        Person describe(String text);
    }

    private StructuredClients() {
    }

    /**
     * LangChain4j: the model must declare RESPONSE_FORMAT_JSON_SCHEMA, else AiServices puts the
     * format in the prompt as text instead of sending a schema.
     */
    static Person langChain4j(String baseUrl, String model) {
        OpenAiChatModel chat = OpenAiChatModel.builder()
                .baseUrl(baseUrl + "/v1").apiKey(KEY).modelName(model)
                .supportedCapabilities(Capability.RESPONSE_FORMAT_JSON_SCHEMA).strictJsonSchema(true)
                .temperature(1.0).seed(SEED)
                .timeout(Duration.ofSeconds(60)).maxRetries(0)
                .build();
        return AiServices.create(PersonExtractor.class, chat).describe(PROMPT);
    }

    /**
     * openai-java: responseFormat(Class) derives a strict JSON schema from the class and parses the
     * reply into it. The SDK reads leniently; validate() also holds the reply to the API's shape, as
     * {@link OpenAiSdkTest} does for every other response.
     */
    static Person openAiJava(String baseUrl, String model) {
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(baseUrl + "/v1").apiKey(KEY).maxRetries(0)
                .timeout(Duration.ofSeconds(60)).build();
        try {
            StructuredChatCompletionCreateParams<Person> params = ChatCompletionCreateParams.builder()
                    .model(model).addUserMessage(PROMPT).temperature(1.0).seed(SEED)
                    .responseFormat(Person.class)
                    .build();
            StructuredChatCompletion<Person> completion = client.chat().completions().create(params).validate();
            return completion.choices().get(0).message().content().orElseThrow();
        } finally {
            client.close();
        }
    }
}
