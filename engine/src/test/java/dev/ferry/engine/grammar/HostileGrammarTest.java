package dev.ferry.engine.grammar;

import dev.ferry.engine.api.GrammarLimits;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Each limit refuses fast with a message naming the part at fault; pathological patterns stay linear. */
class HostileGrammarTest {

    private static final Duration FAST = Duration.ofSeconds(1);

    private static Grammar compile(Expr root) {
        return Grammar.compile(GrammarSpec.of(root), GrammarLimits.DEFAULTS);
    }

    private static void refused(String expected, Executable compile) {
        GrammarException e = assertTimeoutPreemptively(FAST, () -> assertThrows(GrammarException.class, compile));
        assertTrue(e.getMessage().contains(expected), () -> "message: " + e.getMessage());
    }

    @Test
    void hugeRepetitionIsRefused() {
        refused("rule 'root': repetition bound 5000 above the limit of 1000",
                () -> compile(new Expr.Repeat(new Expr.Literal("a"), 0, 5000)));
        refused("pattern /a{2,100000}/: repetition bound 100000 above the limit of 1000 (GrammarLimits.maxRepeat) at position 1",
                () -> compile(new Expr.Pattern("a{2,100000}", false)));
        refused("repetition bound 2147483647 above the limit", () -> compile(new Expr.Pattern("a{99999999999999}", false)));
        refused("line 1:13: repetition bound 1001 above the limit", () -> GbnfParser.parse("root ::= \"a\"{1001}"));
    }

    @Test
    void nestedRepetitionsShareTheirBody() {
        // 1000 copies of a body of 1000 copies: shared through a helper rule, not multiplied out
        Expr inner = new Expr.Repeat(new Expr.Literal("ab"), 1000, 1000);
        Grammar g = assertTimeoutPreemptively(FAST, () -> compile(new Expr.Repeat(inner, 0, 1000)));
        assertTrue(g.matches(""));
        assertTrue(g.matches("ab".repeat(2000)));
        assertFalse(g.matches("ab".repeat(1500)));
    }

    @Test
    void exponentialAutomatonIsRefused() {
        refused("pattern /(a|b)*a(a|b){20}/: needs more than 50000 automaton states",
                () -> compile(new Expr.Pattern("(a|b)*a(a|b){20}", false)));
        refused("pattern /(a|b|c|d|e|f|g|h)*a.{1000}/: needs more than",
                () -> compile(new Expr.Pattern("(a|b|c|d|e|f|g|h)*a.{1000}", false)));
        refused("automaton states", () -> compile(new Expr.Pattern("((a{1000}){1000}){1000}", false)));
    }

    @Test
    void tooManyPositionsAreRefused() {
        List<Expr> parts = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            parts.add(new Expr.Repeat(new Expr.Literal("xyz"), 1000, 1000));
        }
        refused("grammar needs more than 50000 positions and automaton states (GrammarLimits.maxStates), at rule 'root",
                () -> compile(new Expr.Seq(parts)));
        refused("needs more than", () -> compile(new Expr.Literal("a".repeat(100_000))));
    }

    @Test
    void deepNestingIsRefused() {
        Expr e = new Expr.Literal("x");
        for (int i = 0; i < 100; i++) {
            e = new Expr.Seq(List.of(new Expr.Literal("("), e));
        }
        Expr deep = e;
        refused("rule 'root': expression nested deeper than 64 (GrammarLimits.maxDepth)", () -> compile(deep));
        refused("groups nested deeper than 64 (GrammarLimits.maxDepth) at position 64",
                () -> compile(new Expr.Pattern("(".repeat(100) + "a" + ")".repeat(100), false)));
        refused("line 1:74: parentheses nested deeper than 64", () -> GbnfParser.parse("root ::= " + "(".repeat(100) + "\"a\"" + ")".repeat(100)));
        Expr lots = new Expr.Literal("x");
        for (int i = 0; i < 100_000; i++) {
            lots = new Expr.Repeat(lots, 0, 1);
        }
        Expr veryDeep = lots;
        refused("nested deeper than 64", () -> compile(veryDeep));
    }

    @Test
    void leftRecursionIsRefusedNamingTheRule() {
        refused("rule 'expr' is left-recursive: it can reach itself without consuming input (expr -> expr)",
                () -> Grammar.compile(GbnfParser.parse("root ::= expr\nexpr ::= expr \"+\" term | term\nterm ::= [0-9]"), GrammarLimits.DEFAULTS));
        refused("rule 'a' is left-recursive: it can reach itself without consuming input (a -> b -> a)",
                () -> Grammar.compile(GbnfParser.parse("root ::= a\na ::= b \"x\"\nb ::= a \"y\" | \"z\""), GrammarLimits.DEFAULTS));
        refused("rule 'a' is left-recursive",
                () -> Grammar.compile(GbnfParser.parse("root ::= a\na ::= \"x\"? (\"\" | [0-9]*) a \"y\" | \"z\""), GrammarLimits.DEFAULTS));
        // right recursion and repetitions whose body may be empty are fine
        Grammar g = Grammar.compile(GbnfParser.parse("root ::= \"(\" root \")\" | (\"a\"? | \"b\"*)* \"c\""), GrammarLimits.DEFAULTS);
        assertTrue(g.matches("((aabbc))"));
        assertTrue(g.matches("c"));
        assertFalse(g.matches("((c)"));
    }

    @Test
    void unknownRuleIsRefusedNamingIt() {
        refused("rule 'root': refers to undefined rule 'nope'",
                () -> Grammar.compile(new GrammarSpec(Map.of("root", new Expr.RuleRef("nope")), "root"), GrammarLimits.DEFAULTS));
        refused("line 2:11: undefined rule 'missing'", () -> GbnfParser.parse("root ::= a\na ::= \"x\" missing"));
    }

    @Test
    void malformedExpressionsAreRefused() {
        refused("rule 'root': character class range U+007A..U+0061 is not an ordered range",
                () -> compile(new Expr.CharClass(new int[] {'z', 'a'}, false)));
        refused("rule 'root': repetition {3,2} is malformed", () -> compile(new Expr.Repeat(new Expr.Literal("a"), 3, 2)));
        refused("rule 'root': literal has a lone surrogate U+D800", () -> compile(new Expr.Literal("a\ud800")));
        refused("rule 'root': missing expression (null)", () -> compile(new Expr.Seq(java.util.Arrays.asList((Expr) null))));
    }

    @Test
    void patternsThatMatchNothingAreRefused() {
        refused("pattern /[\"]/: matches no text that can stand unescaped inside a JSON string",
                () -> compile(new Expr.Pattern("[\"]", true)));
        refused("pattern /a\"b/: character U+0022, which a JSON string must escape (the pattern stands inside one), at position 1",
                () -> compile(new Expr.Pattern("a\"b", true)));
        refused("pattern /a\\\\/: character U+005C", () -> compile(new Expr.Pattern("a\\\\", true)));
        refused("pattern /a\\n/: character U+000A", () -> compile(new Expr.Pattern("a\\n", true)));
        refused("pattern /a[^\\x00-\\u{10FFFF}]/: matches no text", () -> compile(new Expr.Pattern("a[^\\x00-\\u{10FFFF}]", false)));
    }

    @Test
    void oversizedSourceIsRefused() {
        GrammarLimits small = new GrammarLimits(100, 64, 50_000, 1000, 128);
        refused("bytes, more than the limit of 100 (GrammarLimits.maxSourceBytes)",
                () -> Grammar.compile(GrammarSpec.of(new Expr.Pattern("a".repeat(101), false)), small));
        refused("grammar of 109 bytes, more than the limit of 100", () -> GbnfParser.parse("root ::= \"" + "a".repeat(98) + "\"", small));
    }

    @Test
    void redosPatternsMatchInLinearTime() {
        assertTimeoutPreemptively(FAST, () -> {
            Grammar nested = compile(new Expr.Pattern("(a+)+$", false));
            assertTrue(nested.matches("a".repeat(50_000)));
            assertFalse(nested.matches("a".repeat(50_000) + "b"));
            Grammar twice = compile(new Expr.Pattern("(x+x+)+y", false));
            assertFalse(twice.matches("x".repeat(50_000)));
            assertTrue(twice.matches("x".repeat(50_000) + "y"));
            Grammar star = compile(new Expr.Pattern("(a|aa)*(a|aa)*c", false));
            assertFalse(star.matches("a".repeat(50_000)));
        });
    }

    @Test
    void ambiguousGrammarStaysBoundedWhileMatching() {
        // "x" then 40 letters a or b, each level a rule of two alternatives: the distinct stacks
        // after "x" double per level, and the caps on stacks and items keep each step bounded
        Map<String, Expr> rules = new HashMap<>();
        for (int i = 0; i < 40; i++) {
            Expr next = new Expr.RuleRef("r" + (i + 1));
            rules.put("r" + i, new Expr.Alt(List.of(new Expr.Seq(List.of(next, new Expr.Literal("a"))),
                    new Expr.Seq(List.of(next, new Expr.Literal("b"))))));
        }
        rules.put("r40", new Expr.Literal("x"));
        rules.put("root", new Expr.RuleRef("r0"));
        Walker walker = new Walker(List.of());
        assertTimeoutPreemptively(FAST, () -> {
            Grammar g = Grammar.compile(new GrammarSpec(rules, "root"), GrammarLimits.DEFAULTS);
            TokenGrammar tokens = new TokenGrammar(g, walker.vocab, List.of(), Walker.FORMAT);
            String text = walker.walk(tokens, new java.util.Random(1), 100);
            assertTrue(text.matches("x[ab]{40}"), text);
            assertFalse(g.matches("x" + "a".repeat(41)));
        });
    }

    @Test
    void deeperNestingThanTheStackLimitIsNotGenerated() {
        GrammarLimits shallow = new GrammarLimits(64 * 1024, 64, 50_000, 1000, 10);
        Grammar g = Grammar.compile(GbnfParser.parse("root ::= \"(\" root \")\" | \"x\""), shallow);
        assertTrue(g.matches("(((x)))"));
        assertFalse(g.matches("(".repeat(20) + "x" + ")".repeat(20)));
        // right recursion and repetition are tail calls: they do not deepen the stack
        Grammar right = Grammar.compile(GbnfParser.parse("root ::= \"a\" root | item* \"b\"\nitem ::= \"(\" [0-9]+ \")\""), shallow);
        assertTrue(right.matches("a".repeat(5000) + "(1)(22)".repeat(1000) + "b"));
        assertTimeoutPreemptively(FAST, () -> {
            Grammar deep = Grammar.compile(GbnfParser.parse("root ::= \"(\" root \")\" | \"x\""), GrammarLimits.DEFAULTS);
            assertEquals(false, deep.matches("(".repeat(100_000)));
        });
    }
}
