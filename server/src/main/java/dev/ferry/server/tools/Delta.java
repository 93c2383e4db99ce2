package dev.ferry.server.tools;

/**
 * One streamed piece of a message: either content text, or a fragment of a tool call. A call's first fragment
 * carries its id and name; the later ones only its index and more of its arguments, as OpenAI streams them.
 *
 * @param content the text, or null for a call fragment
 * @param index the call's position in the message, or null for content
 * @param id the call's id on its first fragment only
 * @param name the call's function name on its first fragment only
 * @param argumentsFragment more arguments text (possibly empty), or null for content
 */
public record Delta(String content, Integer index, String id, String name, String argumentsFragment) {

    static Delta content(String text) {
        return new Delta(text, null, null, null, null);
    }

    static Delta callStart(int index, String id, String name, String argumentsFragment) {
        return new Delta(null, index, id, name, argumentsFragment);
    }

    static Delta arguments(int index, String fragment) {
        return new Delta(null, index, null, null, fragment);
    }

    public boolean isContent() {
        return content != null;
    }

    /** Whether {@code next} only continues this delta, so the two can go out as one. */
    boolean canAbsorb(Delta next) {
        return isContent() ? next.isContent() : index.equals(next.index) && next.id == null;
    }

    /** This delta followed by {@code next}; only when {@link #canAbsorb}. */
    Delta absorb(Delta next) {
        return isContent()
                ? content(content + next.content)
                : new Delta(null, index, id, name, argumentsFragment + next.argumentsFragment);
    }
}
