package dev.ferry.server.tools;

import java.util.List;
import java.util.function.Supplier;

/**
 * How one model family writes tool calls.
 *
 * @param markers texts that open a block of calls wherever they appear
 * @param jsonMayOpenMessage whether a message whose first non-blank character is '{' is a block of calls too
 * @param blocks a fresh reader for each block, fed what follows the marker (or the message's first '{')
 */
record CallSyntax(List<String> markers, boolean jsonMayOpenMessage, Supplier<CallBlockReader> blocks) {}
