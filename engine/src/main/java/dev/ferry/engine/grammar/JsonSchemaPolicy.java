package dev.ferry.engine.grammar;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What becomes of a keyword the grammar cannot enforce: a strict compile refuses the schema (the
 * server answers 400), a lenient one leaves the keyword out and lists it, so the caller can warn
 * that the output may break it.
 */
final class JsonSchemaPolicy {
    private final boolean strict;
    // a schema read twice (a $ref target merged into several alternatives) reports a keyword once
    private final Set<String> ignored = new LinkedHashSet<>();

    JsonSchemaPolicy(boolean strict) {
        this.strict = strict;
    }

    void unenforced(JsonSchemaAt at, String keyword, String why) {
        if (strict) {
            throw at.fault(keyword, why + " (not enforced by the grammar; a non-strict request ignores it)");
        }
        ignored.add(keyword + " at " + at.where());
    }

    List<String> ignored() {
        return new ArrayList<>(ignored);
    }
}
