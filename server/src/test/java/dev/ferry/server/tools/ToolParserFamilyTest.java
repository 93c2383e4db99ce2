package dev.ferry.server.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ToolParserFamilyTest {

    @Test
    void fromNameReadsTheConfigNames() {
        assertEquals(ToolParserFamily.HERMES, ToolParserFamily.fromName("hermes"));
        assertEquals(ToolParserFamily.LLAMA3_JSON, ToolParserFamily.fromName("llama3_json"));
        assertEquals(ToolParserFamily.MISTRAL, ToolParserFamily.fromName(" Mistral "));
    }

    @Test
    void anUnknownNameIsNamedInTheError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ToolParserFamily.fromName("qwen_xml"));
        assertTrue(e.getMessage().contains("'qwen_xml'"), e.getMessage());
        assertTrue(e.getMessage().contains("hermes, llama3_json, mistral"), e.getMessage());
    }

    @Test
    void detectsHermesFromTheToolCallTag() {
        assertEquals(ToolParserFamily.HERMES, ToolParserFamily.detect(
                "{%- for tool_call in message.tool_calls %}{{- '<tool_call>\\n{\"name\": \"' }}"));
    }

    @Test
    void detectsMistralFromTheToolCallsToken() {
        assertEquals(ToolParserFamily.MISTRAL, ToolParserFamily.detect(
                "{%- elif message.tool_calls is defined %}{{- \"[TOOL_CALLS][\" }}"));
    }

    @Test
    void detectsLlama31FromThePythonTag() {
        assertEquals(ToolParserFamily.LLAMA3_JSON, ToolParserFamily.detect(
                "{%- if builtin_tools is defined %}{{- '<|python_tag|>' + tool_call.name }}"));
    }

    @Test
    void detectsLlama32FromTheIpythonRoleAndParameters() {
        assertEquals(ToolParserFamily.LLAMA3_JSON, ToolParserFamily.detect(
                "{{- 'Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name "
                        + "and its value}.' }}{%- elif message.role == \"ipython\" %}"));
    }

    @Test
    void aTemplateWithoutToolsDetectsNothing() {
        assertNull(ToolParserFamily.detect("{% for message in messages %}{{ message.content }}{% endfor %}"));
        assertNull(ToolParserFamily.detect(null));
    }
}
