package dev.ferry.engine.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The test schemas and an independent check of generated JSON against them: the networknt
 * validator (draft 2020-12 unless a schema names its own), with formats (date, uuid, email...)
 * asserted rather than only annotated.
 */
final class SchemaValidation {
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
            registry -> registry.schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));

    private SchemaValidation() {
    }

    /** The schemas under test/resources/schemas, by file name. */
    static List<Path> schemaFiles() throws IOException, URISyntaxException {
        Path folder = Path.of(SchemaValidation.class.getResource("/schemas").toURI());
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        }
    }

    /** A validator for one schema's JSON text, to check many values against. */
    static Schema validator(String schemaText) {
        return REGISTRY.getSchema(schemaText, InputFormat.JSON);
    }

    /** The validator's complaints about {@code value}; empty when it validates. */
    static List<String> errors(JsonNode schema, JsonNode value) {
        return validator(schema.toString()).validate(value.toString(), InputFormat.JSON).stream()
                .map(Object::toString).toList();
    }
}
