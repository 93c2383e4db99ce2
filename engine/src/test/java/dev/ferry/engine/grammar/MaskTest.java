package dev.ferry.engine.grammar;

import dev.ferry.engine.api.GrammarLimits;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Masks equal the tokens whose bytes the grammar takes one by one, on random vocabularies. */
class MaskTest {

    private static final String ALPHABET = "ab z{}\":,[]0-1éω中😀\\";

    private static List<GrammarSpec> grammars() {
        return List.of(
                GbnfParser.parse(GbnfGrammarTest.JSON),
                GrammarSpec.of(new Expr.Pattern("[α-ω]+ [a-z]{2,4}|x😀*|中+b?", false)),
                GrammarSpec.of(new Expr.Seq(List.of(
                        new Expr.Literal("é"),
                        new Expr.Repeat(new Expr.CharClass(new int[] {'a', 'z'}, true), 0, 3),
                        new Expr.Alt(List.of(new Expr.Literal("中文"), new Expr.Literal("ab"), new Expr.Literal("")))))),
                new GrammarSpec(Map.of(
                        "root", new Expr.Seq(List.of(new Expr.Literal("["), new Expr.RuleRef("items"), new Expr.Literal("]"))),
                        "items", new Expr.Repeat(new Expr.Alt(List.of(new Expr.RuleRef("root"),
                                new Expr.Pattern("[^\\]\\[]{1,2}", true))), 0, -1)), "root"));
    }

    /** Random tokens of 1 to 3 characters, some cut inside a multi-byte character, some null, one empty, two end ids. */
    private static byte[][] randomTokens(Random rnd, int n) {
        byte[][] tokens = new byte[n][];
        int[] cps = ALPHABET.codePoints().toArray();
        for (int id = 0; id < n; id++) {
            StringBuilder s = new StringBuilder();
            for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
                s.appendCodePoint(cps[rnd.nextInt(cps.length)]);
            }
            byte[] bytes = s.toString().getBytes(StandardCharsets.UTF_8);
            int roll = rnd.nextInt(10);
            if (roll == 0 && bytes.length > 1) {
                int from = rnd.nextInt(bytes.length - 1);
                bytes = java.util.Arrays.copyOfRange(bytes, from, from + 1 + rnd.nextInt(bytes.length - from));
            } else if (roll == 1) {
                bytes = null;
            }
            tokens[id] = bytes;
        }
        tokens[n / 2] = new byte[0];
        return tokens;
    }

    @Test
    void masksEqualBruteForceAlongRandomWalks() {
        Random rnd = new Random(11);
        for (GrammarSpec spec : grammars()) {
            for (int v = 0; v < 4; v++) {
                byte[][] tokens = randomTokens(rnd, 150 + rnd.nextInt(100));
                int[] ends = {3, tokens.length - 1};
                TokenVocabulary vocab = new TokenVocabulary(tokens, ends);
                Grammar grammar = Grammar.compile(spec, GrammarLimits.DEFAULTS);
                TokenGrammar tg = new TokenGrammar(grammar, vocab, List.of(), Walker.FORMAT);
                ParseStates states = grammar.states();
                for (int walk = 0; walk < 5; walk++) {
                    GrammarMatcher m = tg.start();
                    ParseState s = states.start();
                    for (int step = 0; step < 40; step++) {
                        long[] mask = m.allowedTokens();
                        assertArrayEquals(bruteForce(states, s, tokens, ends), mask, "step " + step);
                        assertSame(mask, m.allowedTokens(), "a cached mask is the same array");
                        assertEquals(bruteForceComplete(states, s), m.isComplete());
                        List<Integer> allowed = Walker.ids(mask);
                        int refused = rnd.nextInt(tokens.length);
                        if (!allowed.contains(refused)) {
                            assertFalse(m.accept(refused));
                            assertArrayEquals(mask, m.allowedTokens(), "a refused token leaves the state as it was");
                        }
                        for (int end : ends) {
                            assertEquals(s.accepting, m.accept(end), "end id accepted exactly where the grammar may end");
                        }
                        allowed.removeIf(id -> id == ends[0] || id == ends[1]);
                        if (allowed.isEmpty()) {
                            break;
                        }
                        int token = allowed.get(rnd.nextInt(allowed.size()));
                        assertTrue(m.accept(token));
                        s = walkBytes(states, s, tokens[token]);
                    }
                }
            }
        }
    }

    private static long[] bruteForce(ParseStates states, ParseState s, byte[][] tokens, int[] ends) {
        long[] mask = new long[(tokens.length + 63) / 64];
        boolean any = false;
        for (int id = 0; id < tokens.length; id++) {
            if (id == ends[0] || id == ends[1] || tokens[id] == null || tokens[id].length == 0) {
                continue;
            }
            if (walkBytes(states, s, tokens[id]) != ParseState.DEAD) {
                mask[id >>> 6] |= 1L << id;
                any = true;
            }
        }
        if (s.accepting || !any) {
            for (int end : ends) {
                mask[end >>> 6] |= 1L << end;
            }
        }
        return mask;
    }

    private static ParseState walkBytes(ParseStates states, ParseState s, byte[] bytes) {
        for (byte b : bytes) {
            s = states.next(s, b & 0xFF);
            if (s == ParseState.DEAD) {
                return s;
            }
        }
        return s;
    }

    private static boolean bruteForceComplete(ParseStates states, ParseState s) {
        for (int b = 0; b < 256; b++) {
            if (states.next(s, b) != ParseState.DEAD) {
                return false;
            }
        }
        return s.accepting;
    }

    @Test
    void statesPastTheInternCapStillMatchAndMask() {
        // 2^16 automaton states: a long random walk reaches more distinct states than are interned
        GrammarLimits roomy = new GrammarLimits(64 * 1024, 64, 100_000, 1000, 128);
        String regex = "(a|b)*a(a|b){15}";
        Grammar grammar = Grammar.compile(GrammarSpec.of(new Expr.Pattern(regex, false)), roomy);
        byte[][] tokens = {{'a'}, {'b'}, {'c'}, {'a', 'b'}, {'b', 'a', 'a'}, null};
        int[] ends = {5, 5};
        TokenGrammar tg = new TokenGrammar(grammar, new TokenVocabulary(tokens, new int[] {5}), List.of(), Walker.FORMAT);
        ParseStates states = grammar.states();
        Random rnd = new Random(4);
        StringBuilder text = new StringBuilder();
        ParseState s = states.start();
        int uncached = 0;
        for (int step = 0; step < 120_000; step++) {
            char c = rnd.nextBoolean() ? 'a' : 'b';
            text.append(c);
            s = states.next(s, c);
            // the language, said directly: a's and b's whose 16th character from the end is an a
            assertEquals(step >= 15 && text.charAt(step - 15) == 'a', s.accepting);
            if (!s.isCached()) {
                uncached++;
                if (uncached % 500 == 1) {
                    assertArrayEquals(bruteForce(states, s, tokens, ends), tg.allowed(s));
                }
            }
        }
        assertTrue(uncached > 1000, "only " + uncached + " steps past the cap");
    }

    @Test
    void deadEndAllowsOnlyTheEndIds() {
        // after "a" the grammar needs a "q", which no token holds
        Grammar g = Grammar.compile(GrammarSpec.of(new Expr.Literal("aq")), GrammarLimits.DEFAULTS);
        TokenVocabulary vocab = new TokenVocabulary(new byte[][] {{'a'}, {'b'}, {'a', 'b'}, null}, new int[] {3});
        GrammarMatcher m = new TokenGrammar(g, vocab, List.of(), Walker.FORMAT).start();
        assertEquals(List.of(0), Walker.ids(m.allowedTokens()));
        assertTrue(m.accept(0));
        assertEquals(List.of(3), Walker.ids(m.allowedTokens()));
        assertFalse(m.accept(3), "the end id is offered at a dead end but the text is not complete");
        assertFalse(m.isComplete());
    }

    @Test
    void aByteSetThatMatchesNothingEndsThePathBeforeIt() {
        Grammar g = Grammar.compile(GrammarSpec.of(new Expr.Alt(List.of(new Expr.Literal("b"),
                new Expr.Seq(List.of(new Expr.Literal("a"), new Expr.CharClass(new int[0], false)))))), GrammarLimits.DEFAULTS);
        TokenVocabulary vocab = new TokenVocabulary(new byte[][] {{'a'}, {'b'}, null}, new int[] {2});
        assertEquals(List.of(1), Walker.ids(new TokenGrammar(g, vocab, List.of(), Walker.FORMAT).start().allowedTokens()));
    }

    @Test
    void completeWhenNothingCanFollow() {
        Grammar g = Grammar.compile(GrammarSpec.of(new Expr.Pattern("ab?", false)), GrammarLimits.DEFAULTS);
        TokenVocabulary vocab = new TokenVocabulary(new byte[][] {{'a'}, {'b'}, {'a', 'b'}, {}, null}, new int[] {4});
        TokenGrammar tg = new TokenGrammar(g, vocab, List.of("x-unsupported"), Walker.FORMAT);
        assertEquals(List.of("x-unsupported"), tg.ignored());
        GrammarMatcher m = tg.start();
        assertEquals(List.of(0, 2), Walker.ids(m.allowedTokens()), "the empty token is never allowed");
        assertFalse(m.accept(3));
        assertTrue(m.accept(0));
        assertEquals(List.of(1, 4), Walker.ids(m.allowedTokens()));
        assertFalse(m.isComplete());
        assertTrue(m.accept(1));
        assertTrue(m.isComplete());
        assertEquals(List.of(4), Walker.ids(m.allowedTokens()));
        assertTrue(m.accept(4));
        assertTrue(m.isComplete(), "an end token leaves the position as it is");
        assertFalse(m.accept(-1));
        assertFalse(m.accept(99));
    }

    @Test
    void endIdsAreNeverText() {
        Grammar g = Grammar.compile(GrammarSpec.of(new Expr.Pattern("[a-z]*", false)), GrammarLimits.DEFAULTS);
        TokenVocabulary vocab = new TokenVocabulary(new byte[][] {{'a'}, {'e', 'o', 's'}}, new int[] {1});
        GrammarMatcher m = new TokenGrammar(g, vocab, List.of(), Walker.FORMAT).start();
        assertTrue(m.accept(1));
        assertTrue(m.accept(0));
        assertThrows(IllegalArgumentException.class, () -> new TokenVocabulary(new byte[][] {{'a'}}, new int[0]));
        assertThrows(IllegalArgumentException.class, () -> new TokenVocabulary(new byte[][] {{'a'}}, new int[] {1}));
    }

    @Test
    void patternInsideJsonStringNeverGeneratesWhatJsonMustEscape() {
        Grammar g = Grammar.compile(GrammarSpec.of(new Expr.Seq(List.of(new Expr.Literal("\""),
                new Expr.Pattern("(.|\\s|[^a])*", true), new Expr.Literal("\"")))), GrammarLimits.DEFAULTS);
        Walker walker = Walker.standard();
        TokenGrammar tg = new TokenGrammar(g, walker.vocab, List.of(), Walker.FORMAT);
        Random rnd = new Random(3);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            String text = walker.walk(tg, rnd, 200);
            if (text != null) {
                texts.add(text);
                String inner = text.substring(1, text.length() - 1);
                assertTrue(inner.chars().noneMatch(c -> c == '"' || c == '\\' || c < 0x20), RegexGenerationTest.quote(text));
            }
        }
        assertTrue(texts.size() > 20);
    }
}
