package dev.ferry.engine.grammar;

import dev.ferry.engine.api.GrammarLimits;
import static dev.ferry.engine.grammar.JsonSchemaGrammarTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every refusal names the keyword and the JSON pointer at fault. */
class JsonSchemaErrorsTest {

    private static String refusal(String schema, boolean strict) {
        return refusal(json(schema), strict, GrammarLimits.DEFAULTS);
    }

    private static String refusal(JsonNode schema, boolean strict, GrammarLimits limits) {
        GrammarException e = assertThrows(GrammarException.class, () -> JsonSchemaGrammar.compile(schema, strict, limits));
        return e.getMessage();
    }

    private static void refused(String schema, String... parts) {
        String message = refusal(schema, false);
        for (String part : parts) {
            assertTrue(message.contains(part), "'" + message + "' lacks '" + part + "'");
        }
    }

    @Test
    void malformedSchemas() {
        assertTrue(refusal(json("[1]"), false, GrammarLimits.DEFAULTS).contains("schema at #"));
        refused("{'properties':{'a':5}}", "schema at #/properties/a", "object or a boolean");
        refused("{'type':'string','minLength':'x'}", "minLength at #", "non-negative integer");
        refused("{'type':'string','maxLength':-1}", "maxLength at #");
        refused("{'type':'strin'}", "type at #");
        refused("{'type':[]}", "type at #");
        refused("{'properties':{'a/b':{'type':'array','items':{'maxItems':1.5}}}}", "maxItems at #/properties/a~1b/items");
        refused("{'required':'a'}", "required at #");
        refused("{'enum':3}", "enum at #");
        refused("{'anyOf':[]}", "anyOf at #");
        refused("{'minimum':'0'}", "minimum at #");
        refused("{'multipleOf':0}", "multipleOf at #");
        refused("{'pattern':1}", "pattern at #");
        refused("{'items':3}", "items at #");
        refused("{'type':'string','nullable':'yes'}", "nullable at #");
    }

    @Test
    void contradictions() {
        refused("{'type':'integer','minimum':5,'maximum':3}", "minimum at #", "unsatisfiable");
        refused("{'type':'number','exclusiveMinimum':3,'maximum':3}", "minimum at #");
        refused("{'type':'integer','minimum':0.2,'maximum':0.8}", "minimum at #", "no integer");
        refused("{'properties':{'s':{'type':'string','minLength':4,'maxLength':3}}}", "minLength at #/properties/s");
        refused("{'type':'array','minItems':3,'maxItems':2}", "minItems at #");
        refused("{'allOf':[{'type':'string'},{'type':'integer'}]}", "allOf at #", "no type in common");
        refused("{'type':'object','properties':{'a':{}},'required':['b'],'additionalProperties':false}", "required at #", "\"b\"");
        refused("{'type':'object','properties':{'a':false},'required':['a']}", "required at #", "\"a\"");
        refused("{'enum':[]}", "enum at #");
        refused("{'type':'integer','enum':['a']}", "enum at #");
        refused("{'type':'array','prefixItems':[{}],'items':false,'minItems':2}", "minItems at #");
        refused("false", "false at #");
        refused("{'anyOf':[false,{'type':'string','minLength':2,'maxLength':1}]}", "unsatisfiable");
    }

    @Test
    void references() {
        refused("{'$ref':'#/$defs/missing','$defs':{}}", "$ref at #", "#/$defs/missing");
        refused("{'$ref':'#/$defs/a%20b','$defs':{'a b':{'type':'string','minLength':3,'maxLength':2}}}", "minLength at #/$defs/a b");
        refused("{'$ref':'https://example.com/schema.json'}", "$ref at #", "not local");
        refused("{'properties':{'a':{'$ref':'other.json#/x'}}}", "$ref at #/properties/a", "not local");
        refused("{'$ref':'#node'}", "$ref at #", "anchor");
        refused("{'$ref':'#/$defs/a','$defs':{'a':{'$ref':'#/$defs/a'}}}", "$ref at #/$defs/a", "refers back to itself");
        refused("{'$ref':'#/$defs/a','$defs':{'a':{'anyOf':[{'$ref':'#/$defs/a'},{'type':'null'}]}}}", "$ref at #/$defs/a/anyOf/0");
        refused("{'$defs':{'a':{'allOf':[{'$ref':'#/$defs/a'}],'type':'string'}},'$ref':'#/$defs/a'}", "schema at", "deeper than");
        refused("{'$ref':5}", "$ref at #");
        refused("{'type':'object','properties':{'next':{'$ref':'#'}},'required':['next']}", "no value is finite");
        refused("{'$defs':{'a':{'type':'array','items':{'$ref':'#/$defs/a'},'minItems':1}},'$ref':'#/$defs/a'}", "no value is finite");
        refused("{'$ref':'#/%zz'}", "$ref at #", "well-formed");
    }

    @Test
    void unenforcedKeywordsAreRefusedWhenStrict() {
        for (String[] keyword : List.of(
                new String[] {"{'type':'array','uniqueItems':true}", "uniqueItems at #"},
                new String[] {"{'type':'number','multipleOf':0.5}", "multipleOf at #"},
                new String[] {"{'not':{'type':'null'}}", "not at #"},
                new String[] {"{'if':{},'then':{}}", "if at #"},
                new String[] {"{'properties':{'o':{'type':'object','patternProperties':{'^x':{}}}}}", "patternProperties at #/properties/o"},
                new String[] {"{'dependentRequired':{'a':['b']}}", "dependentRequired at #"},
                new String[] {"{'type':'object','minProperties':1}", "minProperties at #"},
                new String[] {"{'type':'object','maxProperties':1}", "maxProperties at #"},
                new String[] {"{'type':'array','contains':{}}", "contains at #"},
                new String[] {"{'type':'string','format':'iri'}", "format at #"},
                new String[] {"{'type':'string','pattern':'a+','maxLength':3}", "maxLength at #"},
                new String[] {"{'properties':{'p':{'type':'string','pattern':'(?=a)b'}}}", "pattern at #/properties/p"},
                new String[] {"{'type':'number','minimum':0.0000001,'maximum':0.0000002}", "minimum at #"},
                new String[] {"{'type':'integer','minimum':1e300}", "minimum at #"},
                new String[] {"{'allOf':[{'pattern':'a'},{'pattern':'b'}]}", "pattern at #/allOf/1"})) {
            String message = refusal(keyword[0], true);
            assertTrue(message.contains(keyword[1]), message);
            assertEquals(1, JsonSchemaGrammar.compile(json(keyword[0]), false, GrammarLimits.DEFAULTS).ignored().size(), keyword[0]);
        }
    }

    @Test
    void limits() {
        GrammarLimits small = new GrammarLimits(200, 4, 50_000, 10, 128);
        assertTrue(refusal(json("{'type':'string','maxLength':11}"), false, small).contains("maxLength at #"));
        assertTrue(refusal(json("{'type':'array','minItems':11}"), false, small).contains("minItems at #"));
        assertTrue(refusal(json("{'enum':[1,2,3,4,5,6,7,8,9,10,11]}"), false, small).contains("enum at #"));
        assertTrue(refusal(json("{'description':'" + "x".repeat(300) + "'}"), false, small).contains("schema at #"));
        String deep = "{'properties':{'a':{'properties':{'b':{'properties':{'c':{'properties':{'d':{'items':{}}}}}}}}}}";
        assertTrue(refusal(json(deep), false, small).contains("schema at #/properties/a/properties/b/properties/c/properties/d/items"));
        String product = "{'allOf':[{'anyOf':[{'minimum':1},{'minimum':2},{'minimum':3},{'minimum':4}]},"
                + "{'anyOf':[{'maximum':10},{'maximum':11},{'maximum':12},{'maximum':13}]}]}";
        assertTrue(refusal(json(product), false, small).contains("over the limit of 10"));
    }

    @Test
    void hostileSchemasFailFast() {
        ObjectNode deep = JsonNodeFactory.instance.objectNode();
        ObjectNode at = deep;
        for (int i = 0; i < 500; i++) {
            at = at.putObject("items");
        }
        ObjectNode nested = deep;
        assertTimeoutPreemptively(Duration.ofSeconds(1), () -> {
            String message = refusal(nested, false, GrammarLimits.DEFAULTS);
            assertTrue(message.contains("deeper than the limit of 64"), message);
        });
        String fanout = "{'$defs':{'a':{'anyOf':[{'$ref':'#/$defs/b'},{'$ref':'#/$defs/b'}]},'b':{'anyOf':[{'$ref':'#/$defs/c'},{'$ref':'#/$defs/c'}]},"
                + "'c':{'type':'integer'}},'allOf':[{'$ref':'#/$defs/a'},{'$ref':'#/$defs/a'},{'$ref':'#/$defs/a'},{'$ref':'#/$defs/a'},{'$ref':'#/$defs/a'},{'$ref':'#/$defs/a'}],'minimum':0}";
        assertTimeoutPreemptively(Duration.ofSeconds(1), () -> assertTrue(refusal(fanout, false).contains("over the limit of 1000")));
    }
}
