package dev.ferry.server.tools;

/** A fixed text that must come next, such as a closing tag, checked as it arrives. */
final class ExpectedText {
    private final String text;
    private int matched;

    ExpectedText(String text) {
        this.text = text;
    }

    /** Takes the next character; returns true once the whole text has come. */
    boolean read(char c) throws MalformedCall {
        if (c != text.charAt(matched)) {
            throw new MalformedCall("expected " + text);
        }
        return ++matched == text.length();
    }

    boolean started() {
        return matched > 0;
    }

    boolean complete() {
        return matched == text.length();
    }
}
