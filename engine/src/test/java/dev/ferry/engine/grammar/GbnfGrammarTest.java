package dev.ferry.engine.grammar;

import dev.ferry.engine.api.OutputFormat;
import dev.ferry.engine.api.GrammarLimits;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Text generated under GBNF grammars passes independent recognizers written here. */
class GbnfGrammarTest {

    static final String ARITHMETIC = """
            # arithmetic with nested parentheses
            root   ::= expr
            expr   ::= term (ws [-+] ws term)*
            term   ::= factor (ws [*/] ws factor)*
            factor ::= number | "(" ws expr ws ")" | "-" factor
            number ::= [0-9]+ ("." [0-9]+)?
            ws     ::= " "?
            """;

    static final String JSON = """
            root   ::= value
            value  ::= object | array | string | number | ("true" | "false" | "null")
            object ::= "{" ws ( member ( "," ws member )* )? "}"
            member ::= string ws ":" ws value ws
            array  ::= "[" ws ( value ws ( "," ws value ws )* )? "]"
            string ::= "\\"" (
                          [^"\\\\\\x00-\\x1f]
                        | "\\\\" ( ["\\\\/bfnrt] | "u" [0-9a-fA-F]{4} )
                       )* "\\""
            number ::= "-"? ("0" | [1-9] [0-9]*) ("." [0-9]+)? ([eE] [-+]? [0-9]+)?
            ws     ::= [ \\t\\n]*   # a rule may end in a comment
            """;

    private static final Walker WALKER = Walker.standard();

    @Test
    void arithmeticWalksParseAsArithmetic() {
        Grammar g = Grammar.compile(GbnfParser.parse(ARITHMETIC), GrammarLimits.DEFAULTS);
        int nested = checkWalks(g, text -> new Arithmetic(text).recognizes());
        assertTrue(nested > 0, "no walk nested parentheses");
        assertTrue(g.matches("(1 + -2.5)*((3))/4"));
        assertFalse(g.matches("(1 + 2"));
        assertFalse(g.matches("1 +"));
        assertFalse(g.matches("1  + 2"));
    }

    @Test
    void jsonWalksParseAsJson() {
        Grammar g = Grammar.compile(GbnfParser.parse(JSON), GrammarLimits.DEFAULTS);
        int nested = checkWalks(g, text -> new Json(text).recognizes());
        assertTrue(nested > 0, "no walk nested brackets");
        assertTrue(g.matches("{\"a\": [1, -0.5e+3, true, null, \"x\\u00e9\\n\"], \"b\" : {}}"));
        assertTrue(g.matches("\"中文😀\""));
        assertFalse(g.matches("{\"a\": 01}"));
        assertFalse(g.matches("[1,]"));
        assertFalse(g.matches("\"tab\there\""));
    }

    /** Walks the grammar; each ended walk must pass {@code check}. Returns how many walks nested a bracket. */
    private static int checkWalks(Grammar g, java.util.function.Predicate<String> check) {
        TokenGrammar tokens = new TokenGrammar(g, WALKER.vocab, List.of(), new OutputFormat.JsonObject("test"));
        Random rnd = new Random(7);
        int ended = 0;
        int nested = 0;
        for (int i = 0; i < 200; i++) {
            String text = WALKER.walk(tokens, rnd, 300);
            if (text != null) {
                ended++;
                assertTrue(check.test(text), () -> "generated " + RegexGenerationTest.quote(text));
                assertTrue(g.matches(text));
                nested += text.matches("(?s).*[(\\[{].*[(\\[{].*") ? 1 : 0;
            }
        }
        assertTrue(ended >= 50, "only " + ended + " walks ended");
        return nested;
    }

    /** Recursive descent over the arithmetic language, written apart from the grammar. */
    private static final class Arithmetic {
        private final String s;
        private int i;

        Arithmetic(String s) {
            this.s = s;
        }

        boolean recognizes() {
            return expr() && i == s.length();
        }

        private boolean expr() {
            return chain("+-", this::term);
        }

        private boolean term() {
            return chain("*/", this::factor);
        }

        private boolean chain(String ops, java.util.function.BooleanSupplier operand) {
            if (!operand.getAsBoolean()) {
                return false;
            }
            while (true) {
                int save = i;
                space();
                if (i < s.length() && ops.indexOf(s.charAt(i)) >= 0) {
                    i++;
                    space();
                    if (!operand.getAsBoolean()) {
                        return false;
                    }
                } else {
                    i = save;
                    return true;
                }
            }
        }

        private void space() {
            if (i < s.length() && s.charAt(i) == ' ') {
                i++;
            }
        }

        private boolean factor() {
            if (i < s.length() && s.charAt(i) == '-') {
                i++;
                return factor();
            }
            if (i < s.length() && s.charAt(i) == '(') {
                i++;
                space();
                if (!expr()) {
                    return false;
                }
                space();
                return i < s.length() && s.charAt(i++) == ')';
            }
            int start = i;
            while (i < s.length() && Character.isDigit(s.charAt(i))) {
                i++;
            }
            if (i == start) {
                return false;
            }
            if (i < s.length() && s.charAt(i) == '.') {
                i++;
                int frac = i;
                while (i < s.length() && Character.isDigit(s.charAt(i))) {
                    i++;
                }
                return i > frac;
            }
            return true;
        }
    }

    /** A strict JSON recognizer (RFC 8259 values, whitespace between tokens), written apart from the grammar. */
    private static final class Json {
        private final String s;
        private int i;

        Json(String s) {
            this.s = s;
        }

        boolean recognizes() {
            return value() && i == s.length();
        }

        private void ws() {
            while (i < s.length() && " \t\n\r".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
        }

        private boolean eat(char c) {
            if (i < s.length() && s.charAt(i) == c) {
                i++;
                return true;
            }
            return false;
        }

        private boolean value() {
            if (i >= s.length()) {
                return false;
            }
            char c = s.charAt(i);
            if (c == '{') {
                return container('}', true);
            }
            if (c == '[') {
                return container(']', false);
            }
            if (c == '"') {
                return string();
            }
            for (String word : new String[] {"true", "false", "null"}) {
                if (s.startsWith(word, i)) {
                    i += word.length();
                    return true;
                }
            }
            return number();
        }

        private boolean container(char close, boolean members) {
            i++;
            ws();
            if (eat(close)) {
                return true;
            }
            do {
                ws();
                if (members && !(string() && skipThen(':'))) {
                    return false;
                }
                ws();
                if (!value()) {
                    return false;
                }
                ws();
            } while (eat(','));
            return eat(close);
        }

        private boolean skipThen(char c) {
            ws();
            return eat(c);
        }

        private boolean string() {
            if (!eat('"')) {
                return false;
            }
            while (i < s.length()) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return true;
                }
                if (c < 0x20) {
                    return false;
                }
                if (c == '\\') {
                    if (i >= s.length()) {
                        return false;
                    }
                    char e = s.charAt(i++);
                    if (e == 'u') {
                        if (i + 4 > s.length() || !s.substring(i, i + 4).matches("[0-9a-fA-F]{4}")) {
                            return false;
                        }
                        i += 4;
                    } else if ("\"\\/bfnrt".indexOf(e) < 0) {
                        return false;
                    }
                }
            }
            return false;
        }

        private boolean number() {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][-+]?[0-9]+)?").matcher(s);
            m.region(i, s.length());
            if (!m.lookingAt() || m.end() == i) {
                return false;
            }
            i = m.end();
            return true;
        }
    }

    @Test
    void recognizersRejectWhatTheyShould() {
        assertFalse(new Arithmetic("(1").recognizes());
        assertFalse(new Json("{\"a\" 1}").recognizes());
        assertEquals(true, new Json("{\"a\": [1, {}]}").recognizes());
    }
}
