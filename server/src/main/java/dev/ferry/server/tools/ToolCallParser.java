package dev.ferry.server.tools;

/** Finds the tool calls in what a model of one family generated. */
public interface ToolCallParser {

    /** Splits a finished generation into content and calls; malformed calls stay content, with a warning. */
    ParsedOutput parse(String fullText);

    /** A fresh incremental parser for one stream. */
    StreamingToolCalls streaming();
}
