package dev.ferry.engine.grammar;

/**
 * A grammar, schema or pattern that cannot be compiled, or one past a limit: the message names the
 * part at fault (a JSON pointer into the schema, a rule name, a position in the pattern).
 */
public final class GrammarException extends RuntimeException {
    public GrammarException(String message) {
        super(message);
    }
}
