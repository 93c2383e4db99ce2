package dev.ferry.engine.grammar;

import static dev.ferry.engine.grammar.JsonExprs.alt;
import static dev.ferry.engine.grammar.JsonExprs.literal;
import static dev.ferry.engine.grammar.JsonExprs.repeat;
import static dev.ferry.engine.grammar.JsonExprs.seq;

import java.util.List;

/** JSON string syntax (RFC 8259 section 7): the quotes, the characters and the escapes. */
final class JsonStrings {
    /** Code points that stand for themselves in a JSON string: all but {@code "}, {@code \} and controls. */
    static final int[] PLAIN_RANGES = {0x20, 0x21, 0x23, 0x5B, 0x5D, 0x10FFFF};

    private static final Expr QUOTE = literal("\"");
    private static final Expr PLAIN = new Expr.CharClass(PLAIN_RANGES, false);
    private static final Expr HEX = new Expr.CharClass(new int[] {'0', '9', 'A', 'F', 'a', 'f'}, false);
    /**
     * {@code \\uXXXX} outside the surrogates: a surrogate pair would be one character to a validator
     * but two escapes here, which would let minLength and maxLength be miscounted.
     */
    private static final Expr UNICODE_ESCAPE = seq(literal("u"), alt(List.of(
            seq(new Expr.CharClass(new int[] {'0', '9', 'A', 'C', 'a', 'c'}, false), HEX, HEX, HEX),
            seq(new Expr.CharClass(new int[] {'D', 'D', 'd', 'd'}, false),
                    new Expr.CharClass(new int[] {'0', '7'}, false), HEX, HEX),
            seq(new Expr.CharClass(new int[] {'E', 'F', 'e', 'f'}, false), HEX, HEX, HEX))));
    private static final Expr ESCAPE = seq(literal("\\"), alt(List.of(
            new Expr.CharClass(new int[] {'"', '"', '\\', '\\', '/', '/', 'b', 'b', 'f', 'f', 'n', 'n', 'r', 'r', 't', 't'}, false),
            UNICODE_ESCAPE)));
    /** One character of the string's value, written plainly or as an escape. */
    private static final Expr CHARACTER = alt(List.of(PLAIN, ESCAPE));

    private JsonStrings() {}

    /** A string of {@code min} to {@code max} characters ({@code max} -1 for no bound), an escape counting as one. */
    static Expr string(int min, int max) {
        return quoted(repeat(CHARACTER, min, max));
    }

    /** A string whose value fully matches {@code regex}, written without escapes. */
    static Expr matching(String regex) {
        return quoted(new Expr.Pattern(regex, true));
    }

    static Expr quoted(Expr content) {
        return seq(QUOTE, content, QUOTE);
    }
}
