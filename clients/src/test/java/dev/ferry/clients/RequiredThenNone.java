package dev.ferry.clients;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.client.advisor.ToolCallingAdvisor;
import org.springframework.ai.chat.client.advisor.api.CallAdvisorChain;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisorChain;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.ai.openai.OpenAiChatOptions;

/**
 * Spring AI's own tool loop (the {@link ToolCallingAdvisor} that ChatClient runs: call the model, run
 * the tools it called, send the results, again until it answers in text) with the one piece of
 * per-round policy a random-weight model needs, through the advisor's documented per-round hooks.
 * Under tool_choice "auto" such a model almost never calls a tool, and under "required" on every
 * round the loop would never end; so a round whose last message is the user's forces a call (the
 * server's constrained decoder makes one that fits the tool's schema), and a round after a tool
 * result forbids one, with a small output budget so the random text ends quickly. It also keeps
 * what each round sent and got, for the test to check.
 */
final class RequiredThenNone extends ToolCallingAdvisor {
    static final int FINAL_TURN_TOKENS = 24;

    /** The tool_choice each round sent, in order. */
    final List<Object> choices = new CopyOnWriteArrayList<>();
    /** What each round answered (for a stream, its chunks aggregated). */
    final List<ChatResponse> responses = new CopyOnWriteArrayList<>();

    RequiredThenNone(ToolCallingManager toolCallingManager) {
        super(toolCallingManager, DEFAULT_TOOL_EXECUTION_ELIGIBILITY_CHECKER, DEFAULT_ORDER, true);
    }

    @Override
    protected ChatClientRequest doBeforeCall(ChatClientRequest request, CallAdvisorChain chain) {
        return withRoundPolicy(request);
    }

    @Override
    protected ChatClientRequest doBeforeStream(ChatClientRequest request, StreamAdvisorChain chain) {
        return withRoundPolicy(request);
    }

    @Override
    protected ChatClientResponse doAfterCall(ChatClientResponse response, CallAdvisorChain chain) {
        responses.add(response.chatResponse());
        return response;
    }

    @Override
    protected ChatClientResponse doAfterStream(ChatClientResponse response, StreamAdvisorChain chain) {
        responses.add(response.chatResponse());
        return response;
    }

    private ChatClientRequest withRoundPolicy(ChatClientRequest request) {
        List<Message> messages = request.prompt().getInstructions();
        boolean firstRound = messages.get(messages.size() - 1) instanceof UserMessage;
        OpenAiChatOptions.Builder options = ((OpenAiChatOptions) request.prompt().getOptions()).mutate();
        OpenAiChatOptions round = firstRound ? options.toolChoice("required").build()
                : options.toolChoice("none").maxTokens(FINAL_TURN_TOKENS).build();
        choices.add(round.getToolChoice());
        return request.mutate().prompt(request.prompt().mutate().chatOptions(round).build()).build();
    }
}
