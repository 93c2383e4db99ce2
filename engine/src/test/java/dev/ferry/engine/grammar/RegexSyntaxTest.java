package dev.ferry.engine.grammar;

import dev.ferry.engine.api.GrammarLimits;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What the regular-expression subset accepts, and the construct and position it names when it refuses. */
class RegexSyntaxTest {

    private static Grammar compile(String regex) {
        return Grammar.compile(GrammarSpec.of(new Expr.Pattern(regex, false)), GrammarLimits.DEFAULTS);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "(a         | unclosed group opened at position 0",
        "a)         | unbalanced ')' at position 1",
        "a(?=b)     | lookahead at position 1",
        "a(?!b)     | lookahead at position 1",
        "(?<=a)b    | lookbehind at position 0",
        "(?<!a)b    | lookbehind at position 0",
        "(a)\\1     | backreference \\1 at position 3",
        "(?<n>a)\\k<n> | named backreference \\k at position 7",
        "\\bfoo     | word boundary \\b at position 0",
        "a\\B       | word boundary \\B at position 1",
        "(?i)abc    | inline flags at position 0",
        "(?*a)      | unsupported group '(?*a' at position 0",
        "[z-a]      | range U+007A-U+0061 out of order at position 1",
        "*a         | quantifier '*' with nothing to repeat at position 0",
        "(+)        | quantifier '+' with nothing to repeat at position 1",
        "a**        | quantifier after a quantifier at position 2",
        "a{2}{3}    | quantifier after a quantifier at position 4",
        "[abc       | unclosed character class opened at position 0",
        "[]         | empty character class at position 0",
        "\\p{L}     | Unicode property class \\p at position 0",
        "a{3,2}     | repetition {3,2} with its minimum above its maximum at position 1",
        "a{2        | '{' that starts no repetition (write \\{ for the character) at position 1",
        "{2}        | repetition with nothing to repeat at position 0",
        "\\x4       | escape needing 2 hex digits at position 0",
        "\\q        | unknown escape \\q at position 0",
        "a^b        | '^' (anchors are accepted only at the very start) at position 1",
        "a$b        | '$' (anchors are accepted only at the very end) at position 1",
        "\\u{110000} | escape of U+110000, which is no Unicode scalar value at position 0",
        "\\uD800x   | escape of U+D800, which is no Unicode scalar value at position 0",
        "[\\d-z]    | range bound that is a class (\\d, \\w, \\s...) at position 1",
        "a\\        | trailing backslash at position 1",
        "\\A        | anchor \\A at position 0",
        "\\07       | octal escape at position 0",
        "(?<1x>a)   | malformed group name at position 0",
    })
    void refusesNamingTheConstructAndPosition(String regex, String expected) {
        GrammarException e = assertTimeoutPreemptively(Duration.ofSeconds(1),
                () -> assertThrows(GrammarException.class, () -> compile(regex)));
        assertEquals(RegexParser.describe(regex) + ": " + expected, e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "^a+$                    | aaa         | true",
        "^a+$                    | a$          | false",
        "a\\$                    | a$          | true",
        "\\.\\\\\\/\\-\\*\\{\\}  | .\\/-*{}    | true",
        "[\\]\\[^-]+             | ][^-        | true",
        "[a-]+                   | a-a         | true",
        "\\x41\\u0042\\u{43}     | ABC         | true",
        "\\uD83D\\uDE00          | 😀          | true",
        "[^\\d\\s]+              | x_é         | true",
        "[^\\d\\s]+              | x 1         | false",
        "\\D\\W\\S               | a-b         | true",
        "a+?b*+c??d{1,2}?        | aacdd       | true",
        "(?:ab)(?<name>c)        | abc         | true",
        ".                       | `\n`        | false",
        ".                       | 😀          | true",
        "[[]                     | [           | true",
        "a]}                     | a]}         | true",
    })
    void acceptsTheSubset(String regex, String text, boolean matches) {
        assertEquals(matches, compile(regex).matches(text));
    }

    @Test
    void acceptsControlEscapesAndEmptyAlternatives() {
        assertTrue(compile("\\t\\n\\r\\f\\v\\0").matches("\t\n\r\f\u000b\u0000"));
        assertTrue(compile("").matches(""));
        assertTrue(compile("a|").matches(""));
        assertTrue(compile("(|a)b").matches("b"));
        assertTrue(compile("(|a)b").matches("ab"));
    }

    @Test
    void longPatternsAreShortenedInMessages() {
        String regex = "a".repeat(100) + "(";
        GrammarException e = assertThrows(GrammarException.class, () -> compile(regex));
        assertTrue(e.getMessage().startsWith("pattern /" + "a".repeat(57) + ".../: unclosed group opened at position 100"), e.getMessage());
    }
}
