package dev.ferry.engine.grammar;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A schema and where it stands in the document, so that every error and every ignored keyword can
 * name the place at fault. The pointer is an RFC 6901 JSON pointer, shown in URI-fragment form
 * ({@code #/properties/a}, {@code #} for the root) because that is how {@code $ref} spells it.
 */
record JsonSchemaAt(JsonNode node, String pointer) {

    static JsonSchemaAt root(JsonNode node) {
        return new JsonSchemaAt(node, "");
    }

    /** The schema under {@code keyword} (and, for a map or list, {@code name}) of this one. */
    JsonSchemaAt child(JsonNode child, String... tokens) {
        StringBuilder path = new StringBuilder(pointer);
        for (String token : tokens) {
            path.append('/').append(token.replace("~", "~0").replace("/", "~1"));
        }
        return new JsonSchemaAt(child, path.toString());
    }

    String where() {
        return "#" + pointer;
    }

    /** A schema that is malformed or past a limit: always an error. */
    GrammarException fault(String keyword, String problem) {
        return new GrammarException(keyword + " at " + where() + ": " + problem);
    }

    /** A schema no JSON value satisfies: an error, unless an alternative in an anyOf survives it. */
    JsonSchemaUnsatisfiable unsatisfiable(String keyword, String problem) {
        return new JsonSchemaUnsatisfiable(keyword + " at " + where() + ": " + problem);
    }
}
