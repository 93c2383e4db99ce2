package dev.ferry.engine.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.InputFormat;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import java.util.List;

/**
 * An independent check of generated JSON: the networknt validator (draft 2020-12 unless the schema
 * names its own), with formats (date, uuid, email...) asserted rather than only annotated.
 */
final class SchemaValidation {
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
            registry -> registry.schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));

    private SchemaValidation() {
    }

    /** The validator's complaints about {@code value}; empty when it validates. */
    static List<String> errors(JsonNode schema, JsonNode value) {
        return REGISTRY.getSchema(schema.toString(), InputFormat.JSON).validate(value.toString(), InputFormat.JSON)
                .stream().map(Object::toString).toList();
    }
}
