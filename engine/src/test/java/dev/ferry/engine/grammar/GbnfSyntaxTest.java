package dev.ferry.engine.grammar;

import dev.ferry.engine.api.GrammarLimits;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What the GBNF reader accepts, and the line and column it names when it refuses. */
class GbnfSyntaxTest {

    private static Grammar grammar(String text) {
        return Grammar.compile(GbnfParser.parse(text), GrammarLimits.DEFAULTS);
    }

    private static void refused(String text, String expected) {
        GrammarException e = assertThrows(GrammarException.class, () -> GbnfParser.parse(text));
        assertEquals(expected, e.getMessage());
    }

    @Test
    void readsRulesAlternativesGroupsAndRepetitions() {
        Grammar g = grammar("""
                root ::= greeting ("," ws name)? "!"{1,3}   # trailing comment
                # a comment line
                greeting ::= "hi" | "hello" |
                  "hey"
                name ::= [A-Z] [a-z_-]* | "\\u00e9t\\xe9"
                ws ::= [ \\t]+
                """);
        assertTrue(g.matches("hi!"));
        assertTrue(g.matches("hello, Bob_by!!"));
        assertTrue(g.matches("hey,\tété!!!"));
        assertFalse(g.matches("hi!!!!"));
        assertFalse(g.matches("hello,Bob!"));
    }

    @Test
    void newlinesContinueInsideParenthesesAndAfterBarOrDefinition() {
        Grammar g = grammar("root ::=\n  \"a\" (\n  \"b\"\n  | \"c\"\n) |\n  \"d\"\n");
        assertTrue(g.matches("ab"));
        assertTrue(g.matches("ac"));
        assertTrue(g.matches("d"));
        assertFalse(g.matches("a"));
    }

    @Test
    void readsClassesEscapesAnyCharAndCountedRepetition() {
        Grammar g = grammar("root ::= [^\"\\\\\\n] . [\\]\\-\\[] \"\\\"\\\\\\n\\t\\r\" [a-c]{2} [x]{1,} [y]{0,2} \"\\U0001F600\"");
        assertTrue(g.matches("q😀]\"\\\n\t\rabxxx😀"));
        assertTrue(g.matches("é\n-\"\\\n\t\rcaxyy😀"));
        assertFalse(g.matches("\"a]\"\\\n\t\rabx😀"));
        assertFalse(g.matches("qa]\"\\\n\t\rabxyyy😀"));
    }

    @Test
    void emptyAlternativesAndSequencesMatchTheEmptyText() {
        Grammar g = grammar("root ::= \"a\" ( | \"b\") ()");
        assertTrue(g.matches("a"));
        assertTrue(g.matches("ab"));
    }

    @Test
    void rootIsWhereGenerationStarts() {
        GrammarSpec spec = GbnfParser.parse("item ::= \"x\"\nroot ::= item item");
        assertEquals("root", spec.root());
        assertEquals(List.of(new Expr.RuleRef("item"), new Expr.RuleRef("item")), ((Expr.Seq) spec.rules().get("root")).parts());
    }

    @Test
    void refusesNamingLineAndColumn() {
        refused("root ::= foo", "line 1:10: undefined rule 'foo'");
        refused("root ::= \"abc", "line 1:10: unterminated literal");
        refused("root ::= \"abc\ndef\"", "line 1:10: unterminated literal");
        refused("root ::= [a-", "line 1:10: '[' without its ']'");
        refused("root ::= [z-a]", "line 1:11: range U+007A-U+0061 out of order");
        refused("root = \"a\"", "line 1:6: expected '::=' after rule name 'root'");
        refused("root ::= (\"a\"", "line 1:10: '(' without its ')'");
        refused("root ::= \"a\"{3,1}", "line 1:13: repetition {3,1} with its minimum above its maximum");
        refused("root ::= \"a\"{x}", "line 1:13: malformed repetition (expected {m}, {m,} or {m,n})");
        refused("root ::= \"a\"\nroot ::= \"b\"", "line 2:1: rule 'root' defined twice");
        refused("a ::= \"x\"", "grammar defines no rule named 'root' (where generation starts)");
        refused("root ::= \"a\" )", "line 1:14: unexpected ')' in rule 'root'");
        refused("root ::= \"\\q\"", "line 1:11: unknown escape \\q");
        refused("root ::= \"\\x4\"", "line 1:11: escape needing 2 hex digits");
        refused("root ::= \"\\U00110000\"", "line 1:11: escape of U+110000, which is no Unicode scalar value");
        refused("root ::= \"a\"\n| \"b\"", "line 2:1: expected a rule name");
        refused("root ::= \"a\"\n\n  x ::= y", "line 3:9: undefined rule 'y'");
    }
}
