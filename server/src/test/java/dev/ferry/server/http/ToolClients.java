package dev.ferry.server.http;

import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ToolChoice;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Tools for the client libraries' own tool-calling loops, and the one piece of per-request policy
 * the tests add: a random-weight model under tool_choice "auto" almost never calls a tool, and under
 * "required" on every round the client's loop (which calls the model again while it answers with
 * tool calls) would never end. So the first round of a conversation is "required" (the server's
 * constrained decoder forces a call) and the round after a tool result is "none", with a small
 * output budget so the random text ends quickly.
 */
final class ToolClients {
    static final int SEED = 11;
    static final int FINAL_TURN_TOKENS = 24;

    private ToolClients() {
    }

    /** LangChain4j tools: each records the arguments the client parsed out of the model's call. */
    static final class Lc4jTools {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Tool("Current weather in a city")
        String weather(@P(value = "the city", name = "city") String city) {
            calls.add("weather(" + city + ")");
            return "sunny, 21 C in " + city;
        }

        @Tool("Sum of two integers")
        int add(@P(value = "first addend", name = "a") int a, @P(value = "second addend", name = "b") int b) {
            calls.add("add(" + a + "," + b + ")");
            return a + b;
        }
    }

    /** What a LangChain4j AI service interface looks like; the method's argument is the user message. */
    interface Assistant {
        String chat(String userMessage);
    }

    interface StreamingAssistant {
        dev.langchain4j.service.TokenStream chat(String userMessage);
    }

    /**
     * LangChain4j's per-request hook ({@code AiServices.chatRequestTransformer}), which its tool loop
     * applies to every round, not just the first: a request whose last message is the user's forces a
     * call; any later one (after a tool result) forbids one and caps the output.
     */
    static ChatRequest requiredThenNone(ChatRequest request) {
        List<ChatMessage> messages = request.messages();
        boolean firstRound = messages.get(messages.size() - 1) instanceof UserMessage;
        ChatRequestParameters policy = firstRound
                ? ChatRequestParameters.builder().toolChoice(ToolChoice.REQUIRED).build()
                : ChatRequestParameters.builder().toolChoice(ToolChoice.NONE).maxOutputTokens(FINAL_TURN_TOKENS).build();
        return request.toBuilder().parameters(request.parameters().overrideWith(policy)).build();
    }
}
