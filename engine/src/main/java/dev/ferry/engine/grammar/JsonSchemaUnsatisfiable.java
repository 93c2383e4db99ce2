package dev.ferry.engine.grammar;

/**
 * No JSON value satisfies the schema here. Kept apart from {@link GrammarException} because an
 * alternative that cannot be satisfied is dropped from an {@code anyOf} (as the merge of sibling
 * keywords into each alternative often makes happen); only when nothing is left does it become one.
 */
final class JsonSchemaUnsatisfiable extends RuntimeException {
    JsonSchemaUnsatisfiable(String message) {
        super(message, null, false, false);
    }

    GrammarException asError() {
        return new GrammarException("unsatisfiable schema: " + getMessage());
    }
}
