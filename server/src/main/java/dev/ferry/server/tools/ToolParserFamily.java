package dev.ferry.server.tools;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The tool-call syntaxes Ferry reads, named as in ferry.properties' {@code tool-parser=}. */
public enum ToolParserFamily implements ToolCallParser {
    HERMES("hermes", new CallSyntax(List.of("<tool_call>"), false, HermesBlock::new)),
    LLAMA3_JSON("llama3_json", new CallSyntax(List.of("<|python_tag|>"), true, Llama3Block::new)),
    MISTRAL("mistral", new CallSyntax(List.of("[TOOL_CALLS]"), false, MistralBlock::new));

    private final String configName;
    private final CallSyntax syntax;

    ToolParserFamily(String configName, CallSyntax syntax) {
        this.configName = configName;
        this.syntax = syntax;
    }

    public String configName() {
        return configName;
    }

    /** The family a {@code tool-parser=} value names. */
    public static ToolParserFamily fromName(String name) {
        for (ToolParserFamily family : values()) {
            if (family.configName.equals(name.strip().toLowerCase(Locale.ROOT))) {
                return family;
            }
        }
        throw new IllegalArgumentException("unknown tool-parser '" + name + "': expected one of "
                + Arrays.stream(values()).map(ToolParserFamily::configName).collect(Collectors.joining(", ")));
    }

    /**
     * The family a chat template writes calls in, from what it tells the model to emit; null when it shows none.
     * Llama 3.1 templates have {@code <|python_tag|>}; 3.2's only the ipython role and the "parameters" key.
     */
    public static ToolParserFamily detect(String chatTemplate) {
        if (chatTemplate == null) {
            return null;
        }
        if (chatTemplate.contains("<tool_call>")) {
            return HERMES;
        }
        if (chatTemplate.contains("[TOOL_CALLS]")) {
            return MISTRAL;
        }
        if (chatTemplate.contains("<|python_tag|>")
                || chatTemplate.contains("ipython") && chatTemplate.contains("\"parameters\"")) {
            return LLAMA3_JSON;
        }
        return null;
    }

    @Override
    public ParsedOutput parse(String fullText) {
        ToolCallStream stream = new ToolCallStream(syntax, false);
        List<Delta> deltas = new ArrayList<>(stream.add(fullText));
        deltas.addAll(stream.finish());
        return ParsedOutput.of(deltas, stream.warnings());
    }

    @Override
    public StreamingToolCalls streaming() {
        return new ToolCallStream(syntax, true);
    }
}
