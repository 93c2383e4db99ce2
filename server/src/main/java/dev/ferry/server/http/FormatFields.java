package dev.ferry.server.http;

import dev.ferry.engine.api.OutputFormat;
import dev.ferry.server.api.ApiException;
import dev.ferry.server.serving.FormatJson;

/** The structured-output fields of a request body ({@link FormatJson#NAMES}): at most one may be given. */
final class FormatFields {
    private FormatFields() {
    }

    /** The format the body asks for, or null for free text. */
    static OutputFormat read(Fields f) {
        OutputFormat format = null;
        String from = null;
        for (String name : FormatJson.NAMES) {
            OutputFormat read = FormatJson.read(name, f.node(name));
            if (read != null && format != null) {
                throw ApiException.invalid(name, "cannot be combined with " + from + ": ask for one output format");
            }
            if (read != null) {
                format = read;
                from = name;
            }
        }
        return format;
    }
}
