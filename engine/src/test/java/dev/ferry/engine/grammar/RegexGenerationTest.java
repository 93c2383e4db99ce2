package dev.ferry.engine.grammar;

import dev.ferry.engine.api.OutputFormat;
import dev.ferry.engine.api.GrammarLimits;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Text generated under a pattern is what java.util.regex matches, and the two agree on near misses. */
class RegexGenerationTest {

    private static final Walker WALKER = Walker.standard();

    @ParameterizedTest
    @ValueSource(strings = {
        "[a-z]+",
        "\\d{3}-\\d{4}",
        "(foo|bar|baz)+",
        "a{2,5}b?",
        "[A-Z][a-z]*( [A-Z][a-z]*){0,3}",
        "\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])",
        "[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,6}",
        "-?(0|[1-9]\\d*)(\\.\\d+)?([eE][+-]?\\d+)?",
        "[^\"\\\\]*",
        "[α-ω]+",
        "[\\u4e00-\\u9fff]{1,4}",
        "[😀-🙏]+x?",
        ".{1,5}",
        "(a|b)*a(a|b){3}",
        "\\w+\\s\\w+",
        "(\\d+,)*\\d+",
        "(?:https?://)?[a-z]+(\\.[a-z]+)+(/[a-z0-9]*)*",
        "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "(true|false|null)",
        "\\$\\d+(\\.\\d\\d)?",
        "[^a-z]{2,3}",
        "x*y*z*",
        "(?<year>\\d{4})/(?<m>\\d\\d)",
        "(a+)+b",
        "\\u00e9+|\\x41\\t",
        "[\\d\\s]+",
        "([01]?\\d|2[0-3]):[0-5]\\d",
        "^abc$",
        "a{0}b",
        "(ab|a)(bc|c)",
        "[\\w&]+?\\.{2,}+",
        "(é|ω|中文)*[^\\x00-\\x7f]",
    })
    void walksMatchJavaRegex(String regex) {
        Pattern java = Pattern.compile(regex, Pattern.UNIX_LINES);
        Grammar grammar = Grammar.compile(GrammarSpec.of(new Expr.Pattern(regex, false)), GrammarLimits.DEFAULTS);
        TokenGrammar tokens = new TokenGrammar(grammar, WALKER.vocab, List.of(), new OutputFormat.Regex("regex", regex));
        Random rnd = new Random(regex.hashCode());
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            String text = WALKER.walk(tokens, rnd, 400);
            if (text != null) {
                assertTrue(java.matcher(text).matches(), () -> "generated " + quote(text) + " for /" + regex + "/");
                assertTrue(grammar.matches(text));
                texts.add(text);
            }
        }
        assertTrue(texts.size() >= 30, "only " + texts.size() + " walks ended");
        for (String text : texts) {
            for (String near : nearMisses(text, rnd)) {
                assertEquals(java.matcher(near).matches(), grammar.matches(near), () -> quote(near) + " against /" + regex + "/");
            }
        }
    }

    /** Texts one edit away: a char dropped, doubled, or replaced. */
    private static List<String> nearMisses(String text, Random rnd) {
        List<String> out = new ArrayList<>();
        String alphabet = "ab09-.@ éω中😀x\"\\\n";
        int[] cps = text.codePoints().toArray();
        for (int k = 0; k < 4 && cps.length > 0; k++) {
            int i = rnd.nextInt(cps.length);
            StringBuilder dropped = new StringBuilder();
            StringBuilder doubled = new StringBuilder();
            StringBuilder replaced = new StringBuilder();
            for (int j = 0; j < cps.length; j++) {
                if (j != i) {
                    dropped.appendCodePoint(cps[j]);
                }
                doubled.appendCodePoint(cps[j]);
                if (j == i) {
                    doubled.appendCodePoint(cps[j]);
                }
                replaced.appendCodePoint(j == i ? alphabet.codePointAt(alphabet.offsetByCodePoints(0, rnd.nextInt(alphabet.codePointCount(0, alphabet.length())))) : cps[j]);
            }
            out.add(dropped.toString());
            out.add(doubled.toString());
            out.add(replaced.toString());
        }
        out.add(text + "a");
        out.add("");
        return out;
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().forEach(cp -> b.append(cp < 0x20 || cp == '"' ? String.format("\\u%04x", cp) : new String(Character.toChars(cp))));
        return b.append('"').toString();
    }
}
