package dev.ferry.server.answer;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How a model marks its thinking in its output, named as in ferry.properties' {@code reasoning-parser=}. */
public enum ReasoningParser {
    /** {@code <think>...</think>}: Qwen3, QwQ, DeepSeek-R1 and their kin. */
    THINK("think", "<think>", "</think>"),
    /** The model does not think: its whole output is the answer. */
    NONE("none", null, null);

    private final String configName;
    private final String open;
    private final String close;

    ReasoningParser(String configName, String open, String close) {
        this.configName = configName;
        this.open = open;
        this.close = close;
    }

    public String configName() {
        return configName;
    }

    /** The opening marker; null for NONE. */
    public String open() {
        return open;
    }

    /** The closing marker; null for NONE. */
    public String close() {
        return close;
    }

    /** The parser a {@code reasoning-parser=} value names. */
    public static ReasoningParser fromName(String name) {
        for (ReasoningParser p : values()) {
            if (p.configName.equals(name.strip().toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown reasoning-parser '" + name + "': expected one of "
                + Arrays.stream(values()).map(ReasoningParser::configName).collect(Collectors.joining(", ")));
    }

    /** THINK for a chat template that mentions the markers (it opens thinking, or strips it from history); else NONE. */
    public static ReasoningParser detect(String chatTemplate) {
        return chatTemplate != null && (chatTemplate.contains(THINK.open) || chatTemplate.contains(THINK.close))
                ? THINK : NONE;
    }
}
