package dev.ferry.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A thinking model through Spring AI 2's ChatClient as a Boot application gets it, blocking and
 * streaming. Spring AI's OpenAI chat model keeps Ferry's {@code reasoning_content} in the assistant
 * message's metadata under {@code reasoningContent} (a stream's responses carry it accumulated so
 * far), and the message text is the answer alone. The thinking budget is asked for with
 * {@code reasoningEffort}: the random weights never close the thinking, so the {@code </think>} the
 * budget forces is what lets the answer start. Greedy sampling makes Ferry's own answer to the same
 * request, read as raw JSON, the expected one.
 */
@SpringBootTest(classes = SpringAiApp.class)
class SpringAiReasoningTest {
    private static final String QUESTION = "Why is the sky blue?";
    /** Ferry's budget for minimal: 64 thinking tokens and the close, so 15 of the 80 are answer. */
    private static final String EFFORT = "minimal";
    private static final int MAX_TOKENS = 80;
    /** The metadata key Spring AI's OpenAiChatModel puts reasoning_content under. */
    private static final String REASONING_CONTENT = "reasoningContent";

    /** Ferry's message for the request, read as raw JSON. */
    private static JsonNode ferryMessage;

    @DynamicPropertySource
    static void ferry(DynamicPropertyRegistry properties) {
        SpringAiApp.pointAt(properties, () -> FerryServe.shared().v1());
    }

    @Autowired
    ChatClient.Builder chatClient;

    /** The same request as {@link #options()} sends, straight to the server. */
    @BeforeAll
    static void askFerryDirectly() throws Exception {
        ObjectMapper json = new ObjectMapper();
        String body = json.writeValueAsString(Map.of("model", FerryServe.REASONING_MODEL,
                "messages", List.of(Map.of("role", "user", "content", QUESTION)), "temperature", 0,
                "max_tokens", MAX_TOKENS, "reasoning_effort", EFFORT, "ignore_eos", true));
        HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                HttpRequest.newBuilder(URI.create(FerryServe.shared().v1() + "/chat/completions"))
                        .header("content-type", "application/json").header("authorization", "Bearer " + FerryServe.API_KEY)
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        ferryMessage = json.readTree(r.body()).at("/choices/0/message");
        assertFalse(ferryMessage.path("reasoning_content").asText().isEmpty(), r.body());
        assertEquals(65, json.readTree(r.body()).at("/usage/completion_tokens_details/reasoning_tokens").asInt(),
                "the budget closed the thinking: " + r.body());
    }

    /** ignore_eos (through extraBody, as for any vLLM field) keeps a drawn eos from ending it before the answer. */
    private static OpenAiChatOptions.Builder options() {
        return OpenAiChatOptions.builder().model(FerryServe.REASONING_MODEL).reasoningEffort(EFFORT).temperature(0.0)
                .maxTokens(MAX_TOKENS).extraBody(Map.of("ignore_eos", true));
    }

    @Test
    void chatClientCallKeepsTheThinkingInMetadataAndAnswersWithoutIt() {
        ChatResponse response = chatClient.build().prompt().user(QUESTION).options(options()).call().chatResponse();

        assertNotNull(response);
        AssistantMessage message = response.getResult().getOutput();
        assertEquals(ferryMessage.path("reasoning_content").asText(), message.getMetadata().get(REASONING_CONTENT));
        assertEquals(ferryMessage.path("content").asText(), message.getText());
        assertAnswerOnly(message.getText());
    }

    @Test
    void chatClientStreamAccumulatesTheThinkingBeforeTheAnswer() {
        List<ChatResponse> responses = chatClient.build().prompt().user(QUESTION).options(options())
                .stream().chatResponse().collectList().block(Duration.ofSeconds(60));

        assertNotNull(responses);
        String thinking = "";
        StringBuilder answer = new StringBuilder();
        for (ChatResponse r : responses) {
            for (Generation g : r.getResults()) {
                String soFar = (String) g.getOutput().getMetadata().get(REASONING_CONTENT);
                assertTrue(soFar.startsWith(thinking), "each response carries the thinking so far");
                if (!soFar.equals(thinking)) {
                    assertEquals("", answer.toString(), "the thinking comes before the answer");
                }
                thinking = soFar;
                answer.append(g.getOutput().getText() == null ? "" : g.getOutput().getText());
            }
        }
        assertEquals(ferryMessage.path("reasoning_content").asText(), thinking);
        assertEquals(ferryMessage.path("content").asText(), answer.toString());
        assertAnswerOnly(answer.toString());
    }

    private static void assertAnswerOnly(String text) {
        assertFalse(text.isEmpty());
        assertFalse(text.contains("<think>") || text.contains("</think>"), text);
    }
}
