package dev.ferry.server.answer;

import dev.ferry.server.tools.ParsedOutput;
import dev.ferry.server.tools.ToolCallParser;
import java.util.List;

/**
 * How to read one request's answer: its thinking, when the model thinks, and its tool calls, when
 * the request lets it call tools, read from the text outside the thinking. The same for a whole
 * answer and a streamed one, for HTTP and gRPC alike.
 */
public final class AnswerParser {
    private final ReasoningParser reasoning;
    private final boolean startsInside;
    private final ToolCallParser calls;

    private AnswerParser(ReasoningParser reasoning, boolean startsInside, ToolCallParser calls) {
        this.reasoning = reasoning;
        this.startsInside = startsInside;
        this.calls = calls;
    }

    /**
     * The parser of an answer; null when there is nothing to read out of its text.
     *
     * @param reasoning how the model marks its thinking (NONE when it does not think, or must not here)
     * @param startsInside whether the prompt left thinking open
     * @param calls the model's tool-call syntax, or null when the answer may not call tools
     */
    public static AnswerParser of(ReasoningParser reasoning, boolean startsInside, ToolCallParser calls) {
        return reasoning == ReasoningParser.NONE && calls == null ? null
                : new AnswerParser(reasoning, startsInside, calls);
    }

    /** Splits a finished answer; malformed calls stay content. */
    public Answer parse(String text) {
        String thought = null;
        String answer = text;
        if (reasoning != ReasoningParser.NONE) {
            ThinkingSplitter splitter = new ThinkingSplitter(reasoning, startsInside);
            ThinkingSplitter.Split split = splitter.add(text);
            ThinkingSplitter.Split rest = splitter.finish();
            String r = split.reasoning() + rest.reasoning();
            thought = r.isEmpty() ? null : r;
            answer = split.content() + rest.content();
        }
        if (calls == null) {
            return new Answer(thought, answer, List.of());
        }
        ParsedOutput parsed = calls.parse(answer);
        return new Answer(thought, parsed.content(), parsed.calls());
    }

    /** A fresh splitter for one stream. */
    public StreamedAnswer stream() {
        return new StreamedAnswer(reasoning == ReasoningParser.NONE ? null : new ThinkingSplitter(reasoning, startsInside),
                calls == null ? null : calls.streaming());
    }
}
