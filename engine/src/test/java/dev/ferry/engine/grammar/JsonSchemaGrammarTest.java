package dev.ferry.engine.grammar;

import dev.ferry.engine.api.GrammarLimits;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The language each kind of schema compiles to, read both by the reference reading of
 * {@link JsonExprLanguageTest#matches} and by the compiled byte-level {@link Grammar}.
 */
class JsonSchemaGrammarTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    static GrammarSpec grammar(String schema) {
        return JsonSchemaGrammar.compile(json(schema), false, GrammarLimits.DEFAULTS).spec();
    }

    /** Checks that {@code schema} (single quotes for double) matches each text given as good, and none given as bad. */
    private static void language(String schema, List<String> good, List<String> bad) {
        language(grammar(schema), good, bad, schema);
    }

    private static void language(GrammarSpec spec, List<String> good, List<String> bad, String what) {
        Grammar compiled = Grammar.compile(spec, GrammarLimits.DEFAULTS);
        List<String> wrong = new ArrayList<>();
        for (String text : good) {
            if (!JsonExprLanguageTest.matches(spec, text)) {
                wrong.add("reference rejected " + text);
            }
            if (!compiled.matches(text)) {
                wrong.add("grammar rejected " + text);
            }
        }
        for (String text : bad) {
            if (JsonExprLanguageTest.matches(spec, text)) {
                wrong.add("reference accepted " + text);
            }
            if (compiled.matches(text)) {
                wrong.add("grammar accepted " + text);
            }
        }
        assertEquals(List.of(), wrong, what);
    }

    @Test
    void scalarTypes() {
        language("{'type':'null'}", List.of("null"), List.of("nul", "\"null\""));
        language("{'type':'boolean'}", List.of("true", "false"), List.of("null", "1"));
        language("{'type':['string','null']}", List.of("null", "\"x\""), List.of("1"));
        // an unbounded integer fits a Java int (9 digits), as typed clients deserialize it
        language("{'type':'integer'}", List.of("0", "-7", "123456789", "-999999999"),
                List.of("-0", "01", "1.0", "1e3", "1234567890"));
        language("{'type':'number'}", List.of("0", "-0.5", "3.141592", "1e10", "2E-3", "-12.5e+07"),
                List.of(".5", "1.", "01", "+1", "1.1234567", "1e123", "-"));
    }

    @Test
    void noTypeIsAnyValueCompactly() {
        language("{}", List.of("1", "\"a\"", "[1,{\"a\":[null]}]", "{}", "{\"\":true}"), List.of("[1, 2]", "{ }", "[1,]"));
        language("true", List.of("[]", "false"), List.of(" 1"));
        language("{'description':'any','title':'t','examples':[1]}", List.of("{\"a\":1}"), List.of(""));
    }

    @Test
    void keywordsOfOneTypeMakeAnUntypedSchemaThatType() {
        language("{'minLength':2}", List.of("\"ab\""), List.of("\"a\"", "1", "{}"));
        language("{'properties':{'a':{'type':'integer'}},'required':['a']}", List.of("{\"a\":1}"), List.of("{\"a\":\"x\"}", "1"));
    }

    @Test
    void stringEscapesCountAsOneCharacter() {
        language("{'type':'string','minLength':1,'maxLength':2}",
                List.of("\"a\"", "\"\\n\"", "\"\\u00e9x\"", "\"\\\"\\\\\"", "\"\\/\"", "\"é€\"", "\"😀\""),
                List.of("\"\"", "\"abc\"", "\"\\x\"", "\"\\ud83d\\ude00\"", "\"\n\"", "\"a\"b\""));
    }

    @Test
    void patternsMatchTheWholeStringAndDropAnchors() {
        language("{'type':'string','pattern':'^[a-z]+-[0-9]{2}$'}", List.of("\"ab-12\""), List.of("\"ab-1\"", "\"Ab-12\"", "\"^ab-12$\""));
        language("{'type':'string','pattern':'a\\\\$'}", List.of("\"a$\""), List.of("\"a\""));
        // a negated class inside a JSON string still leaves out what the string would have to escape
        language("{'type':'string','pattern':'^[^x]+$'}", List.of("\"ab\"", "\"é\""), List.of("\"a\\\"b\"", "\"x\"", "\"a\\nb\""));
    }

    @Test
    void formats() {
        language("{'type':'string','format':'date'}",
                List.of("\"2024-02-29\"", "\"2000-02-29\"", "\"1999-12-31\"", "\"2023-04-30\""),
                List.of("\"2023-02-29\"", "\"1900-02-29\"", "\"2023-04-31\"", "\"2023-13-01\"", "\"2023-1-01\""));
        language("{'type':'string','format':'time'}", List.of("\"23:59:59Z\"", "\"00:00:00.5+05:30\""),
                List.of("\"24:00:00Z\"", "\"12:00:00\"", "\"12:60:00Z\""));
        language("{'type':'string','format':'date-time'}", List.of("\"2024-01-15T10:20:30Z\""), List.of("\"2024-01-15 10:20:30Z\""));
        language("{'type':'string','format':'uuid'}", List.of("\"123e4567-e89b-12d3-a456-426614174000\""), List.of("\"123e4567e89b12d3a456426614174000\""));
        language("{'type':'string','format':'email'}", List.of("\"a.b+c@example.com\""), List.of("\"a..b@example.com\"", "\"@example.com\"", "\"a@b\""));
        language("{'type':'string','format':'ipv4'}", List.of("\"192.168.0.1\"", "\"255.255.255.255\""), List.of("\"256.1.1.1\"", "\"01.1.1.1\""));
        language("{'type':'string','format':'hostname'}", List.of("\"api.example.com\"", "\"localhost\""), List.of("\"-a.com\"", "\"a..b\""));
    }

    @Test
    void integerRanges() {
        language("{'type':'integer','minimum':-15,'maximum':120}", List.of("-15", "-1", "0", "9", "10", "99", "100", "120"),
                List.of("-16", "121", "-0", "200", "1000"));
        language("{'type':'integer','exclusiveMinimum':0,'exclusiveMaximum':10}", List.of("1", "9"), List.of("0", "10"));
        language("{'type':'integer','minimum':0,'exclusiveMinimum':true,'maximum':10,'exclusiveMaximum':true}", List.of("1", "9"), List.of("0", "10"));
        language("{'type':'integer','minimum':1000}", List.of("1000", "99999", "999999999"), List.of("999", "0", "-5", "1000000000"));
        language("{'type':'integer','maximum':-3}", List.of("-3", "-40", "-123456789"), List.of("-2", "0", "5"));
        language("{'type':'integer','minimum':0,'maximum':123456789012345}", List.of("123456789012345"), List.of("-1"));
        language("{'type':'integer','minimum':0.5,'maximum':3.5}", List.of("1", "2", "3"), List.of("0", "4"));
        language("{'type':'integer','minimum':7,'maximum':7}", List.of("7"), List.of("6", "8"));
    }

    @Test
    void numberRangesHandleFractionsExactly() {
        language("{'type':'number','minimum':0,'maximum':1}", List.of("0", "0.5", "0.999999", "1", "1.0", "1.000"),
                List.of("-0.1", "1.01", "1.000001", "2", "-0"));
        language("{'type':'number','exclusiveMinimum':0,'exclusiveMaximum':1}", List.of("0.1", "0.000001", "0.99"),
                List.of("0", "0.0", "1", "1.0", "0.000000"));
        language("{'type':'number','minimum':-2.5,'maximum':0.25}", List.of("-2.5", "-2.49", "-1", "-0.5", "0", "0.25", "0.2500", "0.1"),
                List.of("-2.51", "-3", "0.26", "0.250001", "1", "-0", "-0.0"));
        language("{'type':'number','exclusiveMinimum':1.5}", List.of("1.51", "2", "1000.5"), List.of("1.5", "1.50", "1", "-2", "1e3"));
        language("{'type':'number','maximum':-1}", List.of("-1", "-1.0", "-1.5", "-100"), List.of("-0.99", "0", "-1e2"));
    }

    @Test
    void objectsWriteDeclaredPropertiesInOrderWithOptionalOnesLeftOutOrNot() {
        String schema = "{'type':'object','properties':{'a':{'type':'integer'},'b':{'type':'integer'},'c':{'type':'integer'}},'required':['b']}";
        language(schema, List.of("{\"b\":1}", "{\"a\":1,\"b\":2}", "{\"b\":2,\"c\":3}", "{\"a\":1,\"b\":2,\"c\":3}"),
                List.of("{}", "{\"a\":1}", "{\"b\":1,\"a\":2}", "{\"a\":1,,\"b\":2}", "{\"b\":1,}", "{,\"b\":1}", "{\"b\":1,\"d\":2}"));
        String none = "{'type':'object','properties':{'a':{'type':'integer'},'b':{'type':'integer'},'c':{'type':'integer'}}}";
        language(none, List.of("{}", "{\"a\":1}", "{\"b\":1}", "{\"c\":1}", "{\"a\":1,\"c\":2}", "{\"b\":1,\"c\":2}", "{\"a\":1,\"b\":2,\"c\":3}"),
                List.of("{,}", "{\"a\":1,}", "{,\"a\":1}", "{\"c\":1,\"a\":2}"));
        String all = "{'type':'object','properties':{'a':{'type':'integer'},'b':{'type':'integer'}},'required':['a','b'],'additionalProperties':false}";
        language(all, List.of("{\"a\":1,\"b\":2}"), List.of("{\"a\":1}", "{\"b\":2}"));
    }

    @Test
    void everyCombinationOfOptionalPropertiesHasItsCommasRight() {
        String[] names = {"p", "q", "r", "s"};
        for (int required = 0; required < 16; required++) {
            StringBuilder schema = new StringBuilder("{'type':'object','properties':{");
            List<String> req = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                schema.append(i == 0 ? "" : ",").append("'").append(names[i]).append("':{'const':").append(i).append("}");
                if ((required >> i & 1) != 0) {
                    req.add("'" + names[i] + "'");
                }
            }
            schema.append("},'required':[").append(String.join(",", req)).append("]}");
            GrammarSpec spec = grammar(schema.toString());
            for (int present = 0; present < 16; present++) {
                List<String> members = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    if ((present >> i & 1) != 0) {
                        members.add("\"" + names[i] + "\":" + i);
                    }
                }
                String text = "{" + String.join(",", members) + "}";
                boolean valid = (present & required) == required;
                assertEquals(valid, JsonExprLanguageTest.matches(spec, text), schema + " " + text);
            }
        }
    }

    @Test
    void additionalPropertiesSchemaAddsOtherKeysAfterTheDeclaredOnes() {
        String schema = "{'type':'object','properties':{'id':{'type':'integer'}},'required':['id'],'additionalProperties':{'type':'string'}}";
        language(schema, List.of("{\"id\":1}", "{\"id\":1,\"x\":\"a\"}", "{\"id\":1,\"i\":\"a\",\"idx\":\"b\",\"\":\"c\"}"),
                List.of("{\"id\":1,\"id\":\"a\"}", "{\"id\":1,\"x\":2}", "{\"x\":\"a\",\"id\":1}", "{\"id\":1,\"\\u0069d\":\"a\"}"));
        String optional = "{'type':'object','properties':{'a':{'type':'integer'}},'additionalProperties':true}";
        language(optional, List.of("{}", "{\"a\":1}", "{\"b\":[1]}", "{\"a\":1,\"b\":{}}"), List.of("{\"a\":\"x\"}", "{\"a\":1,\"a\":2}"));
        String open = "{'type':'object'}";
        language(open, List.of("{}", "{\"anything\":[1,2]}"), List.of("[]"));
    }

    @Test
    void requiredNamesOutsidePropertiesAreGenerated() {
        language("{'type':'object','properties':{'a':{'type':'integer'}},'required':['z']}", List.of("{\"z\":1}", "{\"a\":1,\"z\":\"q\"}"), List.of("{\"a\":1}"));
    }

    @Test
    void arrays() {
        language("{'type':'array','items':{'type':'integer'},'minItems':1,'maxItems':3}", List.of("[1]", "[1,2]", "[1,2,3]"),
                List.of("[]", "[1,2,3,4]", "[1,]", "[\"a\"]"));
        language("{'type':'array'}", List.of("[]", "[1,\"a\",[]]"), List.of("[,]"));
        language("{'type':'array','prefixItems':[{'type':'string'},{'type':'integer'}]}",
                List.of("[]", "[\"a\"]", "[\"a\",1]"), List.of("[1]", "[\"a\",1,2]"));
        language("{'type':'array','prefixItems':[{'type':'string'}],'items':{'type':'boolean'},'minItems':2}",
                List.of("[\"a\",true]", "[\"a\",true,false]"), List.of("[\"a\"]", "[\"a\",1]"));
        language("{'type':'array','items':[{'type':'string'},{'type':'integer'}],'additionalItems':false,'minItems':1}",
                List.of("[\"a\"]", "[\"a\",1]"), List.of("[]", "[\"a\",1,2]"));
        language("{'type':'array','prefixItems':[{'const':1},{'const':2},{'const':3}],'items':false,'minItems':1,'maxItems':2}",
                List.of("[1]", "[1,2]"), List.of("[]", "[1,2,3]"));
        language("{'type':'array','prefixItems':[{'const':1}],'minItems':3}", List.of("[1,null,\"x\"]"), List.of("[1]", "[1,2]", "[1,2,3,4]"));
    }

    @Test
    void enumAndConstAreWrittenCompactly() {
        language("{'enum':['a b', 1.5, null, {'k':[1, 2]}, 'quo\\\"te']}",
                List.of("\"a b\"", "1.5", "null", "{\"k\":[1,2]}", "\"quo\\\"te\""), List.of("{\"k\": [1, 2]}", "\"c\""));
        language("{'type':'string','enum':['x', 1]}", List.of("\"x\""), List.of("1"));
        language("{'const':'only'}", List.of("\"only\""), List.of("\"other\""));
        language("{'type':'string','nullable':true,'enum':['a']}", List.of("\"a\"", "null"), List.of("\"b\""));
    }

    @Test
    void anyOfAndOneOfAreAlternatives() {
        language("{'anyOf':[{'type':'integer'},{'type':'string','maxLength':1}]}", List.of("1", "\"a\""), List.of("\"ab\"", "null"));
        language("{'oneOf':[{'type':'boolean'},{'type':'null'}]}", List.of("true", "null"), List.of("0"));
    }

    @Test
    void siblingKeywordsMergeIntoEachBranch() {
        String schema = "{'type':'object','properties':{'a':{'type':'integer'},'b':{'type':'integer'}},"
                + "'anyOf':[{'required':['a']},{'required':['b']}]}";
        language(schema, List.of("{\"a\":1}", "{\"b\":1}", "{\"a\":1,\"b\":2}"), List.of("{}"));
        language("{'type':'integer','anyOf':[{'minimum':10},{'type':'string'}]}", List.of("10", "99"), List.of("9", "\"x\""));
    }

    @Test
    void allOfMergesObjectsAndBounds() {
        String schema = "{'allOf':[{'type':'object','properties':{'a':{'type':'integer','minimum':0}},'required':['a']},"
                + "{'properties':{'b':{'type':'string'},'a':{'maximum':5}},'required':['b']}]}";
        language(schema, List.of("{\"a\":0,\"b\":\"x\"}", "{\"a\":5,\"b\":\"\"}"), List.of("{\"a\":6,\"b\":\"x\"}", "{\"a\":1}"));
        language("{'allOf':[{'type':['integer','string']},{'type':'number','maximum':3}]}", List.of("3", "-1"), List.of("4", "\"a\"", "1.5"));
        String closed = "{'allOf':[{'properties':{'a':{}},'additionalProperties':false},{'properties':{'b':{}}}]}";
        language(closed, List.of("{}", "{\"a\":1}"), List.of("{\"b\":1}"));
    }

    @Test
    void refsBecomeRulesAndMayRecurse() {
        String tree = "{'$ref':'#/$defs/node','$defs':{'node':{'type':'object','properties':{'v':{'type':'integer'},"
                + "'kids':{'type':'array','items':{'$ref':'#/$defs/node'}}},'required':['v']}}}";
        language(tree, List.of("{\"v\":1}", "{\"v\":1,\"kids\":[]}", "{\"v\":1,\"kids\":[{\"v\":2,\"kids\":[{\"v\":3}]}]}"),
                List.of("{\"kids\":[]}", "{\"v\":1,\"kids\":[{}]}"));
        String list = "{'definitions':{'list':{'anyOf':[{'type':'null'},{'type':'array','prefixItems':[{'type':'integer'},{'$ref':'#/definitions/list'}],'minItems':2}]}},"
                + "'$ref':'#/definitions/list'}";
        language(list, List.of("null", "[1,null]", "[1,[2,null]]"), List.of("[1]", "[1,[2]]"));
        language("{'type':'object','properties':{'self':{'$ref':'#'}}}", List.of("{}", "{\"self\":{\"self\":{}}}"), List.of("{\"self\":1}"));
        language("{'allOf':[{'$ref':'#/$defs/a'}],'maximum':3,'$defs':{'a':{'type':'integer','minimum':1}}}", List.of("1", "3"), List.of("0", "4"));
    }

    @Test
    void branchesThatCannotFinishAreLeftOut() {
        String schema = "{'$defs':{'endless':{'type':'object','properties':{'x':{'$ref':'#/$defs/endless'}},'required':['x']}},"
                + "'anyOf':[{'$ref':'#/$defs/endless'},{'type':'null'}]}";
        language(schema, List.of("null"), List.of("{\"x\":null}", "{\"x\":{\"x\":null}}"));
        language("{'type':'object','properties':{'self':{'$ref':'#'},'n':{'type':'integer'}},'required':['n']}",
                List.of("{\"n\":1}", "{\"self\":{\"n\":2},\"n\":1}"), List.of("{\"self\":{},\"n\":1}"));
    }

    @Test
    void nullableAddsNull() {
        language("{'type':'integer','nullable':true}", List.of("null", "3"), List.of("\"3\""));
    }

    @Test
    void anyObjectAndChoices() {
        language(JsonSchemaGrammar.anyObject(), List.of("{}", "{\"a\":[1,{\"b\":null}],\"c\":\"d\"}"),
                List.of("[]", "1", "{\"a\":1,}", "{} "), "anyObject");
        language(JsonSchemaGrammar.choices(List.of("yes", "no", "maybe so", "yes")), List.of("yes", "no", "maybe so"),
                List.of("\"yes\"", "maybe", ""), "choices");
    }

    @Test
    void lenientCompileListsWhatItIgnores() {
        JsonSchemaGrammar.Compiled compiled = JsonSchemaGrammar.compile(json(
                "{'type':'object','properties':{'tags':{'type':'array','uniqueItems':true},'n':{'type':'number','multipleOf':0.5},"
                        + "'s':{'type':'string','format':'color'}},'patternProperties':{'x':{}},'minProperties':1}"),
                false, GrammarLimits.DEFAULTS);
        assertEquals(List.of("patternProperties at #", "uniqueItems at #/properties/tags", "multipleOf at #/properties/n",
                "format at #/properties/s", "minProperties at #"), compiled.ignored());
    }

    @Test
    void strictAcceptsWhatItEnforces() {
        JsonSchemaGrammar.Compiled compiled = JsonSchemaGrammar.compile(json(
                "{'$schema':'https://json-schema.org/draft/2020-12/schema','title':'t','type':'object','properties':{"
                        + "'n':{'type':'integer','multipleOf':1,'format':'int64'},'u':{'type':'array','uniqueItems':false}},"
                        + "'required':['n'],'additionalProperties':false,'x-vendor':1}"),
                true, GrammarLimits.DEFAULTS);
        assertEquals(List.of(), compiled.ignored());
    }
}
