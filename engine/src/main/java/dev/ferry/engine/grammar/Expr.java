package dev.ferry.engine.grammar;

import java.util.List;

/**
 * A grammar expression over Unicode text, as the front ends (JSON Schema, GBNF, choices, regular
 * expressions) build it, before {@link Grammar#compile} lowers it to byte-level rules. Text is
 * matched as UTF-8 bytes, so a token that ends inside a multi-byte character is allowed exactly
 * when some completion of it would be.
 */
public sealed interface Expr {

    /** The exact text. The empty literal matches the empty string. */
    record Literal(String text) implements Expr {}

    /**
     * One code point in (or, when {@code negated}, outside) the inclusive ranges
     * {@code [ranges[0], ranges[1]], [ranges[2], ranges[3]], ...}. Surrogates never match.
     */
    record CharClass(int[] ranges, boolean negated) implements Expr {}

    /** Each part in turn; the empty sequence matches the empty string. */
    record Seq(List<Expr> parts) implements Expr {}

    /** Any one of the options. */
    record Alt(List<Expr> options) implements Expr {}

    /** {@code body} at least {@code min} and at most {@code max} times; {@code max} is -1 for no bound. */
    record Repeat(Expr body, int min, int max) implements Expr {}

    /** The rule of that name in the same {@link GrammarSpec}; recursion goes through rules. */
    record RuleRef(String name) implements Expr {}

    /**
     * A regular expression in the documented subset (docs/grammar-syntax.md), matched in full
     * (anchored at both ends), compiled to a deterministic automaton within the limits. When
     * {@code withinJsonString}, the characters a JSON string must escape ({@code "}, {@code \\} and
     * U+0000 to U+001F) are taken out of every character the pattern can match, so the matched
     * text can stand between quotes as it is.
     */
    record Pattern(String regex, boolean withinJsonString) implements Expr {}
}
